// Keyboard shortcuts on the review page (the page works without this script: the buttons
// carry accesskey attributes, Alt+letter in Chromium). Y approves; 1-9 picks a rejection
// reason and X rejects with it; N moves to the note (Esc leaves it); J skips the case.
"use strict";

document.addEventListener("keydown", (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey || event.repeat) {
    return;
  }
  const target = event.target;
  const typing = target instanceof HTMLTextAreaElement ||
    (target instanceof HTMLInputElement && target.type !== "radio");
  if (typing) {
    if (event.key === "Escape") {
      target.blur();
    }
    return;
  }
  const form = document.getElementById("decide");
  if (!form) {
    return;
  }
  const key = event.key.toLowerCase();
  const click = (id) => {
    event.preventDefault();
    const element = document.getElementById(id);
    if (element && !form.dataset.sent) {
      form.dataset.sent = "1";
      element.click();
    }
  };
  if (key === "y") {
    click("approve");
  } else if (key === "x") {
    if (form.querySelector("input[name=reason]:checked")) {
      click("reject");
    } else {
      event.preventDefault();
      const first = document.getElementById("reason-1");
      if (first) {
        first.focus();
      }
    }
  } else if (/^[1-9]$/.test(key)) {
    const reason = document.getElementById("reason-" + key);
    if (reason) {
      event.preventDefault();
      reason.checked = true;
    }
  } else if (key === "n") {
    event.preventDefault();
    document.getElementById("note").focus();
  } else if (key === "j") {
    click("skip");
  }
});
