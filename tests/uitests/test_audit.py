"""The screen audit finds each known problem in small widgets built to have it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QFrame, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from screens.audit import audit, contrast_ratio, relative_luminance, shortfalls

Build = Callable[..., QWidget]


@pytest.fixture
def screen(qtbot: QtBot) -> Build:
    """A white 800x600 top-level with the given children in a column."""

    def build(*children: QWidget, style: str = "") -> QWidget:
        top = QWidget()
        top.setObjectName("top")
        top.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        top.setStyleSheet(
            "QWidget#top { background: #FFFFFF; } QLabel { color: #000000; } " + style
        )
        box = QVBoxLayout(top)
        for child in children:
            box.addWidget(child)
        qtbot.addWidget(top)
        top.resize(800, 600)
        top.show()
        qtbot.waitExposed(top)
        return top

    return build


def big_label(text: str = "大字", name: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setStyleSheet("font-size: 40px;")
    return label


def test_wcag_reference_values() -> None:
    black, white = QColor("#000000"), QColor("#FFFFFF")
    assert relative_luminance(white) == pytest.approx(1.0)
    assert relative_luminance(black) == pytest.approx(0.0)
    assert contrast_ratio(black, white) == pytest.approx(21.0)
    assert contrast_ratio(white, black) == pytest.approx(21.0)
    # #767676 is the classic lightest grey that passes 4.5:1 on white.
    assert contrast_ratio(QColor("#767676"), white) == pytest.approx(4.54, abs=0.01)


def test_finds_the_tiny_font(screen: Build) -> None:
    tiny = QLabel("小字")
    tiny.setStyleSheet("font-size: 12px;")
    result = audit(screen(big_label(), tiny), "tiny")
    assert result["name"] == "tiny"
    assert result["min_font_px"] == 12
    assert "text 12 px < 32 px" in shortfalls(result)


def test_hidden_widgets_do_not_count(screen: Build) -> None:
    tiny = QLabel("小字")
    tiny.setStyleSheet("font-size: 12px;")
    small = QPushButton("x")
    small.setFixedSize(30, 30)
    top = screen(big_label(), tiny, small)
    tiny.hide()
    small.hide()
    result = audit(top)
    assert result["min_font_px"] == 40
    assert result["min_target_px"] is None


def test_finds_the_small_button(screen: Build) -> None:
    big = QPushButton("确定")
    big.setStyleSheet("font-size: 40px;")
    big.setFixedSize(300, 150)
    small = QPushButton("否")
    small.setStyleSheet("font-size: 40px;")
    small.setFixedSize(200, 60)
    result = audit(screen(big, small))
    assert result["min_target_px"] == 60
    assert any("touch target 60 px" in s for s in shortfalls(result))


def test_finds_grey_on_grey(screen: Build) -> None:
    grey = QLabel("灰字灰底")
    grey.setObjectName("grey")
    top = screen(
        big_label(),
        grey,
        style="QLabel#grey { color: #777777; background: #888888; font-size: 40px; }",
    )
    result = audit(top, detail=True)
    expected = contrast_ratio(QColor("#777777"), QColor("#888888"))
    assert expected < 1.5
    assert result["min_contrast"] == pytest.approx(expected, abs=0.02)
    worst = min(result["items"], key=lambda item: item["contrast"])
    assert worst["widget"] == "grey"


def test_background_is_what_is_painted_behind_the_text_not_the_window(screen: Build) -> None:
    panel = QFrame()
    panel.setObjectName("panel")
    inner = QVBoxLayout(panel)
    inner.addWidget(big_label("面板上的字", "on_panel"))
    top = screen(
        panel,
        style="QFrame#panel { background: #0A3D91; } QLabel#on_panel { color: #FFFFFF; }",
    )
    result = audit(top, detail=True)
    on_panel = next(i for i in result["items"] if i["widget"] == "on_panel")
    expected = contrast_ratio(QColor("#FFFFFF"), QColor("#0A3D91"))
    assert on_panel["contrast"] == pytest.approx(expected, abs=0.02)
    # Against the white window it would be 1:1; the audit must not think so.
    assert result["min_contrast"] > 7


def test_text_on_a_button_fill(screen: Build) -> None:
    ok = QPushButton("同意")
    ok.setObjectName("ok")
    top = screen(
        ok,
        style="QPushButton#ok { background: #E8E8E8; color: #AAAAAA; font-size: 40px;"
        " min-height: 140px; border: none; }",
    )
    result = audit(top)
    expected = contrast_ratio(QColor("#AAAAAA"), QColor("#E8E8E8"))
    assert result["min_contrast"] == pytest.approx(expected, abs=0.02)
    assert any("contrast" in s for s in shortfalls(result))


def test_progress_text_over_a_dark_chunk(screen: Build) -> None:
    bar = QProgressBar()
    bar.setRange(0, 2)
    bar.setValue(1)
    bar.setFormat("第 %v 个，共 %m 个")
    top = screen(
        bar,
        style="QProgressBar { font-size: 36px; color: #111111; background: #FFFFFF;"
        " text-align: center; min-height: 60px; } QProgressBar::chunk { background: #0B5D1E; }",
    )
    result = audit(top, detail=True)
    item = next(i for i in result["items"] if i["text"] == "第 1 个，共 2 个")
    assert item["contrast"] == pytest.approx(
        contrast_ratio(QColor("#111111"), QColor("#0B5D1E")), abs=0.02
    )


def test_finds_clipped_label_text(screen: Build) -> None:
    long_text = "为了确认是您本人，摄像头会拍摄您的脸，和证件照片比对。" * 2
    squeezed = big_label(long_text)
    squeezed.setWordWrap(True)
    squeezed.setFixedSize(300, 60)
    fine = big_label("够地方")
    result = audit(screen(squeezed, fine))
    assert result["clipped"] == [long_text]


def test_wrapped_text_that_fits_is_not_clipped(screen: Build) -> None:
    text = "请把身份证或社保卡放到读卡区，放好后请不要移动"
    wrapped = big_label(text)
    wrapped.setWordWrap(True)
    wrapped.setFixedSize(400, 300)  # three lines of 40 px CJK need about 180 px
    assert audit(screen(wrapped))["clipped"] == []


def test_finds_clipped_button_text(screen: Build) -> None:
    narrow = QPushButton("不拍照，请工作人员办理")
    narrow.setStyleSheet("font-size: 40px; padding: 10px 30px;")
    narrow.setFixedSize(260, 140)
    wide = QPushButton("是我")
    wide.setStyleSheet("font-size: 40px;")
    wide.setFixedSize(260, 140)
    assert audit(screen(narrow, wide))["clipped"] == ["不拍照，请工作人员办理"]


def test_button_padding_counts_against_the_text(screen: Build) -> None:
    # 2 chars of 40 px fit 120 px, but not once 40 px of padding each side is taken off.
    padded = QPushButton("是我")
    padded.setStyleSheet("font-size: 40px; padding: 0 40px; border: 2px solid black;")
    padded.setFixedSize(120, 140)
    assert audit(screen(padded))["clipped"] == ["是我"]


def test_text_outside_the_panel_is_clipped(screen: Build) -> None:
    top = screen(big_label("上面"), big_label("下面"))
    result = audit(top, screen_size=(800, 200))
    assert result["clipped"] == ["下面"]


def test_rich_text_is_measured_as_plain_text(screen: Build) -> None:
    rich = big_label("<b>认证成功</b>")
    result = audit(screen(rich), detail=True)
    assert [i["text"] for i in result["items"]] == ["认证成功"]


def test_a_clean_screen_has_no_shortfalls(screen: Build) -> None:
    go = QPushButton("开始")
    go.setStyleSheet(
        "font-size: 48px; min-height: 140px; background: #0B5D1E; color: #FFFFFF; border: none;"
    )
    result = audit(screen(big_label("您好"), go))
    assert result["min_font_px"] == 40
    assert result["min_target_px"] >= 140
    assert result["min_contrast"] >= 7
    assert shortfalls(result) == []


def test_widgets_awaiting_deletion_are_not_measured(screen: Build) -> None:
    tiny = QLabel("旧的")
    tiny.setStyleSheet("font-size: 12px;")
    top = screen(big_label(), tiny)
    tiny.deleteLater()  # as a re-render does with the buttons it replaces
    assert audit(top)["min_font_px"] == 40


def test_text_cut_off_by_its_parent_is_clipped(screen: Build) -> None:
    frame = QFrame()
    frame.setFixedSize(400, 60)
    inner = QPushButton("需要", frame)
    inner.setStyleSheet("font-size: 40px;")
    inner.setGeometry(0, 30, 200, 140)  # its lower part hangs below the frame
    result = audit(screen(frame, big_label()))
    assert result["clipped"] == ["需要"]
    assert result["min_target_px"] == 30  # only the part above the frame's edge is reachable


def test_overlapping_widgets_are_clipped(screen: Build) -> None:
    holder = QWidget()
    holder.setFixedSize(600, 300)
    first = QPushButton("同意", holder)
    second = QPushButton("不同意", holder)
    for button in (first, second):
        button.setStyleSheet("font-size: 40px;")
    first.setGeometry(0, 0, 300, 140)
    second.setGeometry(0, 100, 300, 140)  # laid 40 px over the first
    lone = big_label("别处")
    result = audit(screen(holder, lone))
    assert sorted(result["clipped"]) == sorted(["同意", "不同意"])
