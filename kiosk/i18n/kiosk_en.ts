<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
    <context>
        <name>kiosk</name>
        <message>
            <location filename="../../screens/answers.py" line="22" />
            <source>还在审核中</source>
            <translation>Still being reviewed</translation>
        </message>
        <message>
            <location filename="../../screens/answers.py" line="26" />
            <source>认证还没有通过</source>
            <translation>Not verified yet</translation>
        </message>
        <message>
            <location filename="../../screens/answers.py" line="32" />
            <source>没有查到您今年的认证记录。可以现在就办理认证。</source>
            <translation>No check of yours this year was found. You can do the check now.</translation>
        </message>
        <message>
            <location filename="../../screens/answers.py" line="34" />
            <source>网络暂时不通，这台机器上没有您今年的认证记录。可以现在就办理认证。</source>
            <translation>The network is down, and this terminal holds no check of yours this year. You can do the check now.</translation>
        </message>
        <message>
            <location filename="../../screens/answers.py" line="35" />
            <source>今年还没有认证</source>
            <translation>No check this year yet</translation>
        </message>
        <message>
            <location filename="../../screens/answers.py" line="39" />
            <source>有效期至 {date}</source>
            <translation>Valid until {date}</translation>
        </message>
        <message>
            <location filename="../../screens/answers.py" line="43" />
            <source>今年已经认证过了</source>
            <translation>Already verified this year</translation>
        </message>
        <message>
            <location filename="../../screens/answers.py" line="45" />
            <source>您已经在{where}完成了今年的认证，不用再认证。</source>
            <translation>You completed this year's check {where}; you do not need to check again. </translation>
        </message>
        <message>
            <location filename="../../screens/answers.py" line="46" />
            <source>这里不打印那次认证的凭证，需要凭证请到办理的地方领取。</source>
            <translation>This terminal does not print a certificate for that check: please ask where it was done.</translation>
        </message>
        <message>
            <location filename="../../screens/answers.py" line="53" />
            <source>您今年的认证已经通过。可以现在打印认证凭证。</source>
            <translation>Your check this year is verified. You can print the certificate now.</translation>
        </message>
        <message>
            <location filename="../../screens/answers.py" line="55" />
            <source>打印凭证</source>
            <translation>Print the receipt</translation>
        </message>
        <message>
            <location filename="../../screens/answers.py" line="56" />
            <source>不用打印</source>
            <translation>No need to print</translation>
        </message>
        <message>
            <location filename="../../screens/answers.py" line="60" />
            <source>认证成功</source>
            <translation>Check passed</translation>
        </message>
        <message>
            <location filename="../../screens/answers.py" line="62" />
            <source>您今年的认证已经通过。明年同一时间再来认证。</source>
            <translation>Your check this year is verified. Please come again at the same time next year.</translation>
        </message>
        <message>
            <location filename="../../screens/answers.py" line="68" />
            <source>您的认证还在审核，还没有结果。</source>
            <translation>Your check is still being reviewed; there is no result yet. </translation>
        </message>
        <message>
            <location filename="../../screens/answers.py" line="71" />
            <source>请在 {date} 以后，到{place}查询结果。</source>
            <translation>Please ask for the result at {place} from {date}.</translation>
        </message>
        <message>
            <location filename="../../screens/answers.py" line="72" />
            <source>请过几天再来查询结果。</source>
            <translation>Please come back for the result in a few days.</translation>
        </message>
        <message>
            <location filename="../../screens/answers.py" line="76" />
            <source>继续</source>
            <translation>Continue</translation>
        </message>
        <message>
            <location filename="../../screens/answers.py" line="81" />
            <source>现在认证</source>
            <translation>Check now</translation>
        </message>
        <message>
            <location filename="../../screens/answers.py" line="82" />
            <source>不用了</source>
            <translation>Not now</translation>
        </message>
        <message>
            <location filename="../../screens/answers.py" line="89" />
            <source>哪里让您不满意？</source>
            <translation>What went wrong?</translation>
        </message>
        <message>
            <location filename="../../screens/answers.py" line="90" />
            <source>点一下图片告诉我们，也可以跳过。</source>
            <translation>Press a picture to tell us, or skip.</translation>
        </message>
        <message>
            <location filename="../../screens/answers.py" line="91" />
            <source>跳过</source>
            <translation>Skip</translation>
        </message>
        <message>
            <location filename="../../screens/base.py" line="109" />
            <source>返回上一步</source>
            <translation>Go back</translation>
        </message>
        <message>
            <location filename="../../screens/base.py" line="111" />
            <source>再听一遍</source>
            <translation>Hear it again</translation>
        </message>
        <message>
            <location filename="../../screens/base.py" line="114" />
            <source>呼叫工作人员</source>
            <translation>Call staff</translation>
        </message>
        <message>
            <location filename="../../screens/base.py" line="125" />
            <source>还需要更多时间吗？</source>
            <translation>Do you need more time?</translation>
        </message>
        <message>
            <location filename="../../screens/base.py" line="129" />
            <source>需要</source>
            <translation>Yes, more time</translation>
        </message>
        <message>
            <location filename="../../screens/base.py" line="134" />
            <source>不需要，结束</source>
            <translation>No, finish</translation>
        </message>
        <message>
            <location filename="../../screens/base.py" line="185" />
            <source>第 {n} 步，共 {total} 步</source>
            <translation>Step {n} of {total}</translation>
        </message>
        <message>
            <location filename="../../screens/code_entry.py" line="32" />
            <source>终端 {terminal}，平台 {platform}</source>
            <translation>Terminal {terminal}, platform {platform}</translation>
        </message>
        <message>
            <location filename="../../screens/code_entry.py" line="33" />
            <source>注册码是 16 位：4 组，每组 4 位</source>
            <translation>The registration code has 16 characters: 4 groups of 4</translation>
        </message>
        <message>
            <location filename="../../screens/code_entry.py" line="34" />
            <source>正在向平台注册……</source>
            <translation>Registering with the platform…</translation>
        </message>
        <message>
            <location filename="../../screens/code_entry.py" line="35" />
            <source>没有配置平台地址（platform.url），不能注册</source>
            <translation>No platform address configured (platform.url): cannot register</translation>
        </message>
        <message>
            <location filename="../../screens/code_entry.py" line="36" />
            <source>注册成功：本机已注册为终端 {terminal}，平台 {platform}</source>
            <translation>Registered: this kiosk is terminal {terminal} at platform {platform}</translation>
        </message>
        <message>
            <location filename="../../screens/code_entry.py" line="37" />
            <source>注册失败：平台不认这个注册码（{reason}）。请核对注册码和终端号 {terminal}，或请平台重新生成一个</source>
            <translation>Registration failed: the platform does not accept this code ({reason}). Check the code and the terminal id {terminal}, or ask the platform for a new code</translation>
        </message>
        <message>
            <location filename="../../screens/code_entry.py" line="39" />
            <source>注册失败：本机的密钥已登记在另一个终端名下（{reason}）</source>
            <translation>Registration failed: this kiosk's key is already registered to another terminal ({reason})</translation>
        </message>
        <message>
            <location filename="../../screens/code_entry.py" line="40" />
            <source>注册失败：平台拒绝了注册（{reason}）</source>
            <translation>Registration failed: the platform refused it ({reason})</translation>
        </message>
        <message>
            <location filename="../../screens/code_entry.py" line="41" />
            <source>注册失败：连不上平台 {platform}（{reason}）。请检查网络后再试</source>
            <translation>Registration failed: cannot reach the platform {platform} ({reason}). Check the network and try again</translation>
        </message>
        <message>
            <location filename="../../screens/code_entry.py" line="42" />
            <source>注册失败：平台地址不能用（{reason}）</source>
            <translation>Registration failed: the platform address cannot be used ({reason})</translation>
        </message>
        <message>
            <location filename="../../screens/code_entry.py" line="43" />
            <source>注册失败：{reason}</source>
            <translation>Registration failed: {reason}</translation>
        </message>
        <message>
            <location filename="../../screens/code_entry.py" line="70" />
            <source>注册终端</source>
            <translation>Register terminal</translation>
        </message>
        <message>
            <location filename="../../screens/config_error.py" line="41" />
            <source>办事群众请联系工作人员。</source>
            <translation>Residents: please ask the staff for help.</translation>
        </message>
        <message>
            <location filename="../../screens/config_error.py" line="59" />
            <source>终端配置有误，暂停服务</source>
            <translation>The terminal's configuration is wrong: service paused</translation>
        </message>
        <message>
            <location filename="../../screens/config_error.py" line="61" />
            <source>请工作人员修改配置文件后重启终端：sudo systemctl restart kiosk</source>
            <translation>Staff: fix the configuration file, then restart the terminal: sudo systemctl restart kiosk</translation>
        </message>
        <message>
            <location filename="../../screens/config_error.py" line="68" />
            <source>终端无法启动，暂停服务</source>
            <translation>The terminal cannot start: service paused</translation>
        </message>
        <message>
            <location filename="../../screens/config_error.py" line="70" />
            <source>请工作人员按上面的提示处理后重启终端：sudo systemctl restart kiosk</source>
            <translation>Staff: do what the message above says, then restart the terminal: sudo systemctl restart kiosk</translation>
        </message>
        <message>
            <location filename="../../screens/face_capture.py" line="137" />
            <source>第 {n} 个动作，共 {total} 个</source>
            <translation>Action {n} of {total}</translation>
        </message>
        <message>
            <location filename="../../screens/help.py" line="40" />
            <source>工作人员办理</source>
            <translation>Staff will help</translation>
        </message>
        <message>
            <location filename="../../screens/help.py" line="84" />
            <source>删除</source>
            <translation>Delete</translation>
        </message>
        <message>
            <location filename="../../screens/help.py" line="84" />
            <source>确定</source>
            <translation>OK</translation>
        </message>
        <message>
            <location filename="../../screens/help.py" line="107" />
            <source>请输入工作人员密码</source>
            <translation>Staff PIN, please</translation>
        </message>
        <message>
            <location filename="../../screens/pin_entry.py" line="25" />
            <source>正在核对密码……</source>
            <translation>Checking the PIN…</translation>
        </message>
        <message>
            <location filename="../../screens/pin_entry.py" line="26" />
            <source>密码不对，还可以再试 {n} 次</source>
            <translation>Wrong PIN, {n} tries left</translation>
        </message>
        <message>
            <location filename="../../screens/pin_entry.py" line="27" />
            <source>密码错误次数太多，已锁定 {n} 秒</source>
            <translation>Too many wrong PINs: locked for {n} s</translation>
        </message>
        <message>
            <location filename="../../screens/pin_entry.py" line="28" />
            <source>无法核对密码，请查看日志</source>
            <translation>The PIN could not be checked: see the log</translation>
        </message>
        <message>
            <location filename="../../screens/pin_entry.py" line="29" />
            <source>请把卡放到读卡器上</source>
            <translation>Put a card on the reader</translation>
        </message>
        <message>
            <location filename="../../screens/pin_entry.py" line="30" />
            <source>读卡成功：{name}，{id_number}</source>
            <translation>Card read: {name}, {id_number}</translation>
        </message>
        <message>
            <location filename="../../screens/pin_entry.py" line="31" />
            <source>读卡失败：{reason}</source>
            <translation>Card read failed: {reason}</translation>
        </message>
        <message>
            <location filename="../../screens/pin_entry.py" line="32" />
            <source>测试页已发送到打印机</source>
            <translation>Test page sent to the printer</translation>
        </message>
        <message>
            <location filename="../../screens/pin_entry.py" line="33" />
            <source>测试打印完成</source>
            <translation>Test page printed</translation>
        </message>
        <message>
            <location filename="../../screens/pin_entry.py" line="34" />
            <source>测试打印失败：{status}</source>
            <translation>Test print failed: {status}</translation>
        </message>
        <message>
            <location filename="../../screens/pin_entry.py" line="35" />
            <source>待补打 {n} 张</source>
            <translation>{n} kept for reprint</translation>
        </message>
        <message>
            <location filename="../../screens/pin_entry.py" line="36" />
            <source>正在同步……</source>
            <translation>Syncing…</translation>
        </message>
        <message>
            <location filename="../../screens/pin_entry.py" line="37" />
            <source>同步完成，待同步 {n} 件</source>
            <translation>Sync done, {n} pending</translation>
        </message>
        <message>
            <location filename="../../screens/pin_entry.py" line="38" />
            <source>同步失败：{error}</source>
            <translation>Sync failed: {error}</translation>
        </message>
        <message>
            <location filename="../../screens/pin_entry.py" line="39" />
            <source>没有配置平台，不能同步</source>
            <translation>No platform configured: nothing to sync with</translation>
        </message>
        <message>
            <location filename="../../screens/pin_entry.py" line="40" />
            <source>已导出 {n} 件到 {path}</source>
            <translation>Exported {n} case(s) to {path}</translation>
        </message>
        <message>
            <location filename="../../screens/pin_entry.py" line="41" />
            <source>导出失败：{error}</source>
            <translation>Export failed: {error}</translation>
        </message>
        <message>
            <location filename="../../screens/pin_entry.py" line="42" />
            <source>正在生成诊断包……</source>
            <translation>Writing the diagnostics bundle…</translation>
        </message>
        <message>
            <location filename="../../screens/pin_entry.py" line="43" />
            <source>诊断包已导出到 {path}</source>
            <translation>Diagnostics bundle written to {path}</translation>
        </message>
        <message>
            <location filename="../../screens/pin_entry.py" line="44" />
            <source>诊断包导出失败：{error}</source>
            <translation>Diagnostics bundle failed: {error}</translation>
        </message>
        <message>
            <location filename="../../screens/pin_entry.py" line="46" />
            <source>已决定 {decided} 件，待平台决定 {awaiting} 件；人脸名单未启用</source>
            <translation>{decided} decided, {awaiting} awaiting the platform; face roster off (face.roster_file empty)</translation>
        </message>
        <message>
            <location filename="../../screens/pin_entry.py" line="47" />
            <source>已决定 {decided} 件，待平台决定 {awaiting} 件；还没有人脸名单</source>
            <translation>{decided} decided, {awaiting} awaiting the platform; no face roster yet</translation>
        </message>
        <message>
            <location filename="../../screens/pin_entry.py" line="49" />
            <source>已决定 {decided} 件，待平台决定 {awaiting} 件；人脸名单 {templates} 人（{kib} KiB）</source>
            <translation>{decided} decided, {awaiting} awaiting the platform; face roster {templates} templates ({kib} KiB)</translation>
        </message>
        <message>
            <location filename="../../screens/pin_entry.py" line="52" />
            <source>已决定 {decided} 件，待平台决定 {awaiting} 件；人脸名单 {templates} 人（{kib} KiB），{days} 天前签发</source>
            <translation>{decided} decided, {awaiting} awaiting the platform; face roster {templates} templates ({kib} KiB), issued {days} d ago</translation>
        </message>
        <message>
            <location filename="../../screens/pin_entry.py" line="115" />
            <source>取消</source>
            <translation>Cancel</translation>
        </message>
        <message>
            <location filename="../../screens/pin_entry.py" line="135" />
            <source>技术员登录</source>
            <translation>Technician sign-in</translation>
        </message>
        <message>
            <location filename="../../screens/pin_entry.py" line="176" />
            <source>请输入技术员密码</source>
            <translation>Enter the technician PIN</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="40" />
            <source>您好，欢迎使用自助服务</source>
            <translation>Hello, welcome to self-service</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="41" />
            <source>请点击您要办理的事情</source>
            <translation>Please tap what you want to do</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="46" />
            <source>养老金资格认证</source>
            <translation>Pension check</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="52" />
            <source>补打认证凭证</source>
            <translation>Reprint a receipt</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="54" />
            <source>查询认证结果</source>
            <translation>Look up a result</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="63" />
            <source>请放上您本人的身份证或社保卡。</source>
            <translation>Please place your own ID card or social security card.</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="65" />
            <source>放好后请不要移动，听到提示再拿开。</source>
            <translation>Keep it still until you hear that you can take it away.</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="68" />
            <source>请把身份证或社保卡放到读卡区</source>
            <translation>Place your ID card or social security card on the reader</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="77" />
            <source>请核对您的信息</source>
            <translation>Please check your details</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="79" />
            <source>是您本人吗？</source>
            <translation>Is this you?</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="81" />
            <source>是我</source>
            <translation>Yes, it is me</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="82" />
            <source>不是我</source>
            <translation>No, not me</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="89" />
            <source>需要拍一下您的脸</source>
            <translation>We need a picture of your face</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="91" />
            <source>为了确认是您本人，摄像头会拍摄您的脸，和证件照片比对。照片只用于这次认证，上传后就从本机删除。不想拍照，可以请工作人员帮您办理。</source>
            <translation>To make sure it is you, the camera takes pictures of your face and compares them with your card photo. They are used only for this check and deleted from this machine once sent. If you would rather not, staff can do the check with you.</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="97" />
            <source>同意，开始拍照</source>
            <translation>Agree, start</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="99" />
            <source>不拍照，请工作人员办理</source>
            <translation>No pictures, staff help</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="108" />
            <source>没有完成，请再试一次</source>
            <translation>Not finished, please try again</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="115" />
            <source>请看着屏幕</source>
            <translation>Please look at the screen</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="117" />
            <source>请看着屏幕，稍等</source>
            <translation>Please look at the screen and wait a moment</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="127" />
            <source>已通知工作人员。</source>
            <translation>Staff have been told.</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="131" />
            <source>正在核对，请稍等</source>
            <translation>Checking, please wait</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="136" />
            <source>正在查询，请稍等</source>
            <translation>Looking it up, please wait</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="159" />
            <source>明年同一时间再来认证。</source>
            <translation>Come back for the next check this time next year.</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="163" />
            <source>认证已受理</source>
            <translation>Your check is received</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="166" />
            <source>没有找到您的认证记录</source>
            <translation>No check found for you</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="167" />
            <source>请先办理养老金资格认证，或请工作人员帮忙。</source>
            <translation>Please do the pension check first, or ask the staff for help.</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="171" />
            <source>认证没有通过。</source>
            <translation>The check did not pass.</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="173" />
            <source>认证没有通过</source>
            <translation>The check did not pass</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="183" />
            <source>网络暂时不通，您的认证已经保存，联网后会自动提交。</source>
            <translation>The network is down for now. Your check is saved and will be sent by itself when it is back.</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="185" />
            <source>您的认证已经保存，需要工作人员审核。</source>
            <translation>Your check is saved; a staff member needs to review it.</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="195" />
            <source>打印机暂时不能打印。</source>
            <translation>The printer cannot print right now.</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="198" />
            <source>您的凭证已经保存，可以稍后补打。</source>
            <translation> Your receipt is saved and can be printed later.</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="202" />
            <source>先不打印</source>
            <translation>Not now</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="205" />
            <source>正在打印凭证，请稍等</source>
            <translation>Printing your receipt, please wait</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="205" />
            <source>凭证从打印口出来后，请拿好。</source>
            <translation>Please take the receipt when it comes out.</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="210" />
            <source>请为这次服务评价</source>
            <translation>How was this service?</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="216" />
            <source>完成</source>
            <translation>Done</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="220" />
            <source>请取回您的卡片</source>
            <translation>Please take back your card</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="221" />
            <source>您的卡片还在读卡区上，请拿走。谢谢您，再见。</source>
            <translation>Your card is still on the reader. Please take it with you. Thank you, goodbye.</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="225" />
            <source>谢谢您，再见</source>
            <translation>Thank you, goodbye</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="225" />
            <source>请拿好您的卡片和凭证。</source>
            <translation>Please take your card and your receipt.</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="231" />
            <source>已通知工作人员</source>
            <translation>Staff have been called</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="233" />
            <source>请找工作人员帮忙</source>
            <translation>Please ask a staff member</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="240" />
            <source>我不需要帮助了</source>
            <translation>I no longer need help</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="246" />
            <source>设备暂时不能使用。</source>
            <translation>A device is not working right now.</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="248" />
            <source>请联系工作人员</source>
            <translation>Please ask the staff</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="249" />
            <source>已经通知工作人员。</source>
            <translation> Staff have been told.</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="253" />
            <source>再试一次</source>
            <translation>Try again</translation>
        </message>
        <message>
            <location filename="../../screens/steps.py" line="254" />
            <source>结束</source>
            <translation>Finish</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="102" />
            <source>测试读卡</source>
            <translation>Test card read</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="103" />
            <source>测试打印</source>
            <translation>Test print</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="104" />
            <source>立即同步</source>
            <translation>Sync now</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="105" />
            <source>导出待同步数据</source>
            <translation>Export pending cases</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="106" />
            <source>导出诊断包</source>
            <translation>Export diagnostics</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="111" />
            <source>读卡器</source>
            <translation>Card reader</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="112" />
            <source>摄像头</source>
            <translation>Camera</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="113" />
            <source>人脸模型</source>
            <translation>Face models</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="114" />
            <source>打印机</source>
            <translation>Printer</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="115" />
            <source>平台</source>
            <translation>Platform</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="119" />
            <source>正常</source>
            <translation>OK</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="120" />
            <source>有卡</source>
            <translation>Card present</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="121" />
            <source>未连接</source>
            <translation>Not connected</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="122" />
            <source>服务停止</source>
            <translation>Service stopped</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="123" />
            <source>故障</source>
            <translation>Fault</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="124" />
            <source>有画面</source>
            <translation>Streaming</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="125" />
            <source>空闲</source>
            <translation>Idle</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="126" />
            <source>无画面</source>
            <translation>No picture</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="127" />
            <source>不可用</source>
            <translation>Unavailable</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="128" />
            <source>加载中</source>
            <translation>loading</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="129" />
            <source>纸将用完</source>
            <translation>Paper low</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="130" />
            <source>缺纸</source>
            <translation>Paper out</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="131" />
            <source>盖子打开</source>
            <translation>Cover open</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="132" />
            <source>离线</source>
            <translation>Offline</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="133" />
            <source>未知</source>
            <translation>Unknown</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="134" />
            <source>在线</source>
            <translation>Online</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="135" />
            <source>未配置</source>
            <translation>Not configured</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="139" />
            <source>认证凭证</source>
            <translation>Certificate</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="140" />
            <source>未通过告知单</source>
            <translation>Failure notice</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="141" />
            <source>受理回执</source>
            <translation>Acceptance slip</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="142" />
            <source>测试页</source>
            <translation>Test page</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="146" />
            <source>已发送 {n} 张到打印机补打</source>
            <translation>Sent {n} to the printer for a reprint</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="148" />
            <source>补打完成：已打印 {printed} 张</source>
            <translation>Reprint done: {printed} printed</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="149" />
            <source>已打印 {printed} 张，{kept} 张仍保留（打印机：{status}）</source>
            <translation>{printed} printed, {kept} still kept (printer: {status})</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="150" />
            <source>读取待补打凭证失败：{error}</source>
            <translation>Could not read the kept receipts: {error}</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="207" />
            <source>{n} 小时</source>
            <translation>{n} h</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="209" />
            <source>{n} 分钟</source>
            <translation>{n} min</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="218" />
            <source>凭证号 {no}</source>
            <translation>No. {no}</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="219" />
            <source>{when}  打印机：{state}  已试 {n} 次</source>
            <translation>{when}  printer: {state}  tries: {n}</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="227" />
            <source>补打未成功：{state}</source>
            <translation>Reprint failed: {state}</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="255" />
            <source>没有数据</source>
            <translation>No data</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="321" />
            <source>返回服务界面</source>
            <translation>Back to service</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="322" />
            <source>退出到桌面</source>
            <translation>Exit to desktop</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="329" />
            <source>摄像头画面</source>
            <translation>Camera picture</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="362" />
            <source>最近日志</source>
            <translation>Recent logs</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="363" />
            <source>当前配置</source>
            <translation>Effective config</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="377" />
            <source>全部补打</source>
            <translation>Reprint all</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="392" />
            <source>技术员模式</source>
            <translation>Technician mode</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="433" />
            <source>待同步 {pending} 件，发送中 {sending} 件，失败 {failed} 件，最早的已等 {age}</source>
            <translation>Waiting {pending}, sending {sending}, failed {failed}, oldest waiting {age}</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="441" />
            <source>从未同步</source>
            <translation>never</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="442" />
            <source>上次同步：{when}</source>
            <translation>Last sync: {when}</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="444" />
            <source>错误：{error}</source>
            <translation>Error: {error}</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="450" />
            <source>待补打（{n}）</source>
            <translation>To reprint ({n})</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="452" />
            <source>没有待补打的凭证</source>
            <translation>No receipts waiting for a reprint</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="454" />
            <source>待补打 {n} 张，下面是最新的 {shown} 张</source>
            <translation>{n} to reprint; the newest {shown} are listed</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="486" />
            <source>正在补打</source>
            <translation>Printing…</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="486" />
            <source>已打印</source>
            <translation>Printed</translation>
        </message>
        <message>
            <location filename="../../screens/technician.py" line="487" />
            <source>补打</source>
            <translation>Reprint</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="17" />
            <source>请眨眨眼</source>
            <translation>Please blink</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="18" />
            <source>请张张嘴</source>
            <translation>Please open your mouth</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="19" />
            <source>请慢慢向左转头</source>
            <translation>Slowly turn your head left</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="20" />
            <source>请慢慢向右转头</source>
            <translation>Slowly turn your head right</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="21" />
            <source>请点点头</source>
            <translation>Please nod</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="25" />
            <source>这张卡的信息不完整，请换一张卡，或请工作人员帮忙。</source>
            <translation>This card could not be fully read. Please try another card, or ask the staff.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="26" />
            <source>这张卡不是身份证或社保卡，请换一张卡。</source>
            <translation>This is not an ID card or social security card. Please use another card.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="27" />
            <source>这张社保卡需要密码，请找工作人员帮忙。</source>
            <translation>This social security card needs a PIN. Please ask the staff for help.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="29" />
            <source>没有读到卡片。请把卡拿起来，再重新放好。</source>
            <translation>The card was not read. Please lift it and place it again.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="31" />
            <source>您的证件已过期，这次认证照常办理。请尽快换领新证件。</source>
            <translation>Your card has expired. This check counts all the same. Please renew your card soon.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="36" />
            <source>照片比对没有通过。</source>
            <translation>The photos did not match.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="37" />
            <source>没有完成规定的动作。</source>
            <translation>The actions were not completed.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="38" />
            <source>没有看到您做完规定的动作。</source>
            <translation>The movements you were asked for were not seen.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="39" />
            <source>没有看清您的脸。</source>
            <translation>Your face could not be seen clearly.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="40" />
            <source>拍摄中换了人。</source>
            <translation>Someone else came in front of the camera during the check.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="41" />
            <source>拍摄中画面里的人多次变化。</source>
            <translation>The people in the picture changed several times during the check.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="42" />
            <source>没有拍到清楚的正脸。</source>
            <translation>No clear picture of your face, looking straight ahead, was taken.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="45" />
            <source>请您本人直接对着摄像头，不要使用照片、视频或手机。</source>
            <translation>Please face the camera yourself, without a photo, a video or a phone.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="50" />
            <source>没有看到您做完动作。请听提示，慢慢做每一个动作。</source>
            <translation>The movements were not seen. Listen to each instruction and do each movement slowly.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="51" />
            <source>没有看到您的脸。请正对屏幕，让脸在框里。</source>
            <translation>Your face was not seen. Please face the screen with your face inside the frame.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="52" />
            <source>检测中换了人。请本人一个人站在屏幕前。</source>
            <translation>Someone else came in front of the camera. Only the card holder should stand in front of the screen.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="53" />
            <source>画面里的人总在变化。请其他人让开，本人一个人站在屏幕前。</source>
            <translation>The people in the picture kept changing. Please ask others to step aside: only the card holder in front of the screen.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="54" />
            <source>没有拍到清楚的正脸。请正对屏幕，保持不动，站到亮一点的地方。</source>
            <translation>No clear picture of your face was taken. Please face the screen, keep still, and stand somewhere brighter.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="56" />
            <source>请正对屏幕，按提示慢慢做动作。</source>
            <translation>Face the screen and follow each step slowly.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="57" />
            <source>请联系工作人员帮您办理，或带上身份证到社保经办机构办理。</source>
            <translation> Please ask the staff to help you, or take your ID card to the social security office.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="60" />
            <source>工作人员会帮您办理，不用拍照。请稍等。</source>
            <translation>Staff will do it with you, without pictures. Please wait.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="61" />
            <source>多次没有读到卡片，工作人员马上过来帮您。</source>
            <translation>The card could not be read. Staff are coming to help you.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="62" />
            <source>终端暂时不能保存记录，这次认证没有保存。工作人员马上过来帮您办理。</source>
            <translation>This machine cannot save records right now, so this check was not saved. Staff are coming to do it with you.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="63" />
            <source>终端暂时查不到认证记录。工作人员马上过来帮您。</source>
            <translation>The kiosk cannot look up your records right now. A staff member is coming to help you.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="64" />
            <source>工作人员马上过来帮您，请稍等。</source>
            <translation>Staff are coming to help you. Please wait.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="68" />
            <source>请到窗口找工作人员。</source>
            <translation>Please ask a staff member at the window.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="70" />
            <source>工作人员可以帮您办理，不用拍照。请到服务窗口找工作人员。</source>
            <translation>A staff member can do this with you, without a photo. Please ask a staff member at the service window.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="71" />
            <source>多次没有读到卡片。请到服务窗口找工作人员帮您。</source>
            <translation>The card could not be read several times. Please ask a staff member at the service window for help.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="72" />
            <source>终端暂时不能保存记录，这次认证没有保存。请到服务窗口找工作人员帮您办理。</source>
            <translation>This terminal cannot save records right now; this check was not saved. Please ask a staff member at the service window to help you.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="73" />
            <source>终端暂时查不到认证记录。请到服务窗口找工作人员。</source>
            <translation>This terminal cannot look up check records right now. Please ask a staff member at the service window.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="74" />
            <source>请到服务窗口找工作人员，请他们到这台机器来帮您办理。</source>
            <translation>Please ask a staff member at the service window to come and help you here.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="79" />
            <source>读卡器准备好了</source>
            <translation>The card reader is ready</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="80" />
            <source>正在读卡，请不要移动卡片</source>
            <translation>Reading the card, please do not move it</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="81" />
            <source>读卡器没有连接，请联系工作人员</source>
            <translation>The card reader is not connected, please call staff</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="88" />
            <source>读卡器暂时不能使用。</source>
            <translation>The card reader is not working right now.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="89" />
            <source>摄像头暂时不能使用。</source>
            <translation>The camera is not working right now.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="90" />
            <source>人脸识别暂时不能使用。</source>
            <translation>Face recognition is not working right now.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="91" />
            <source>打印机暂时不能使用。</source>
            <translation>The printer is not working right now.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="97" />
            <source>读卡器暂时不能使用，请找工作人员帮忙。</source>
            <translation>The card reader is not working. Please ask a staff member.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="98" />
            <source>摄像头暂时不能使用，养老金资格认证请找工作人员帮忙。</source>
            <translation>The camera is not working. For the pension check, ask a staff member.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="99" />
            <source>人脸识别暂时不能使用，养老金资格认证请找工作人员帮忙。</source>
            <translation>Face recognition is not working. For the pension check, ask staff.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="100" />
            <source>打印机暂时不能打印。可以照常办理，凭证会保存，可以稍后补打。</source>
            <translation>The printer is not working: go ahead, your receipt is kept to print later.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="104" />
            <source>打印机没有纸了。</source>
            <translation>The printer is out of paper.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="105" />
            <source>打印机的盖子开着。</source>
            <translation>The printer cover is open.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="106" />
            <source>打印机没有连接。</source>
            <translation>The printer is not connected.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="111" />
            <source>请把脸对准屏幕上的框。</source>
            <translation>Please bring your face into the frame on the screen.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="112" />
            <source>请只留一个人在镜头前，其他人请稍微让开。</source>
            <translation>Only one person in front of the camera, please; others please step aside.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="113" />
            <source>请再靠近屏幕一点。</source>
            <translation>Please come a little closer to the screen.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="114" />
            <source>请稍微往后退一点。</source>
            <translation>Please move back a little.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="115" />
            <source>请把脸移到框的中间。</source>
            <translation>Please move your face to the middle of the frame.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="116" />
            <source>光线太暗了，请工作人员开灯，或站到亮一点的地方。</source>
            <translation>It is too dark. Ask the staff to turn on a light, or stand somewhere brighter.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="117" />
            <source>光线太亮了，请避开窗户或灯光直射。</source>
            <translation>It is too bright. Please keep out of direct window or lamp light.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="118" />
            <source>请保持不动，看着屏幕。</source>
            <translation>Please hold still and look at the screen.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="119" />
            <source>请正对着屏幕看。</source>
            <translation>Please look straight at the screen.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="120" />
            <source>请把脸对准屏幕上的框，我们从头再来。</source>
            <translation>Please bring your face into the frame; we will start again.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="121" />
            <source>请本人一个人站在屏幕前，我们从头再来。</source>
            <translation>Only the card holder in front of the screen, please; we will start again.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="124" />
            <source>密码不对，请再输一次</source>
            <translation>Wrong PIN. Please try again.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="125" />
            <source>密码错误次数太多，请 {n} 分钟后再试</source>
            <translation>Too many wrong PINs. Please try again in {n} minutes.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="129" />
            <source>很不满意</source>
            <translation>Very poor</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="130" />
            <source>不满意</source>
            <translation>Poor</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="131" />
            <source>一般</source>
            <translation>OK</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="132" />
            <source>满意</source>
            <translation>Good</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="133" />
            <source>很满意</source>
            <translation>Very good</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="140" />
            <source>照片比对没有对上，还不能确认是您本人。</source>
            <translation>The photos did not match, so it could not be confirmed that it is you. </translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="141" />
            <source>可以现在再认证一次，也可以请工作人员帮您。</source>
            <translation>You can check again now, or ask a staff member to help you.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="144" />
            <source>拍到的照片看不清楚，没办法核对。</source>
            <translation>The photo taken was not clear enough to compare. </translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="145" />
            <source>可以现在再认证一次，请站到亮一点的地方，正对屏幕。</source>
            <translation>You can check again now: please stand in a brighter place, facing the screen.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="148" />
            <source>认证需要您本人直接对着摄像头。</source>
            <translation>The check needs you yourself in front of the camera. </translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="149" />
            <source>请找工作人员帮您办理。</source>
            <translation>Please ask a staff member to help you.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="152" />
            <source>还需要工作人员核实您的身份。</source>
            <translation>Staff still need to confirm who you are. </translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="153" />
            <source>工作人员会上门核实，或者打电话联系您，请保持电话畅通。也可以到社保窗口办理。</source>
            <translation>Staff will visit you or call you; please keep your phone on. You can also go to the social security window.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="156" />
            <source>还需要您补交材料。</source>
            <translation>Some documents are still needed. </translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="157" />
            <source>请带上身份证和户口本，到社保经办窗口办理。</source>
            <translation>Please bring your ID card and household register to the social security window.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="160" />
            <source>没有查到您的养老金待遇记录。</source>
            <translation>No pension record of yours was found. </translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="161" />
            <source>请带上身份证，到社保经办窗口问一问。</source>
            <translation>Please ask at the social security window, with your ID card.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="164" />
            <source>这次认证还没有通过。</source>
            <translation>This check is not verified yet. </translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="164" />
            <source>请联系工作人员帮您办理。</source>
            <translation>Please ask a staff member to help you.</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="168" />
            <source>社保服务窗口</source>
            <translation>at the social security window</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="169" />
            <source>工作人员上门认证时</source>
            <translation>during a staff home visit</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="170" />
            <source>手机上</source>
            <translation>on a mobile phone</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="171" />
            <source>其他地方</source>
            <translation>elsewhere</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="176" />
            <source>等太久</source>
            <translation>Waited long</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="177" />
            <source>太难用</source>
            <translation>Hard to use</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="178" />
            <source>没办成</source>
            <translation>Not done</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="179" />
            <source>态度差</source>
            <translation>Rude staff</translation>
        </message>
        <message>
            <location filename="../../screens/texts.py" line="180" />
            <source>其他</source>
            <translation>Other</translation>
        </message>
    </context>
</TS>
