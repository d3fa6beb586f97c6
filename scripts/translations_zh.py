"""Fill the zh_Hans_CN catalogue from this table (source strings are English); run after `make translations-update`."""

from babel.messages.pofile import read_po, write_po

PO = "translations/zh_Hans_CN/LC_MESSAGES/messages.po"
ZH = {
    "Administrator": "管理员", "Manager": "经理", "Inspector": "质检员", "Mystery shopper": "神秘顾客",
    "Inspection": "现场检查", "Mystery shop": "神秘顾客暗访", "Survey": "顾客调查", "Call QC": "通话质检",
    "Email": "邮箱", "Password": "密码", "Wrong email or password.": "邮箱或密码错误。",
    "Service Inspection": "服务质量检查", "Sign out": "退出", "Sign in": "登录",
    "Checklists that could not be loaded": "以下检查表无法加载", "Checklists": "检查表", "items": "项",
    "Recent visits": "最近的检查", "Date": "日期", "Branch": "营业厅", "Checklist": "检查表", "Score": "得分",
    "Result": "结果", "Pass": "合格", "Fail": "不合格", "No visits yet.": "暂无检查记录。",
    "Your branches": "您负责的营业厅", "No branches in your scope.": "您的权限范围内没有营业厅。",
    "Letters, digits, - and _ only.": "只能使用字母、数字、- 和 _。", "Code": "编码", "Name": "名称",
    "Region": "区域", "Address": "地址", "Position": "岗位", "CSV file": "CSV 文件",
    "A .csv file, please.": "请上传 .csv 文件。", "The code %(code)s is already used.": "编码 %(code)s 已被使用。",
    "Saved.": "已保存。",
    "Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.":
        "已导入：新增 %(created)d 条，更新 %(updated)d 条，未变 %(unchanged)d 条。",
    "Nothing imported. Fix these rows and upload again:": "未导入任何数据。请修改以下各行后重新上传：",
    "line %(line)d: %(message)s": "第 %(line)d 行：%(message)s",
    "Met": "达标", "Not met": "不达标", "Yes": "是", "No": "否", "N/A": "不适用",
    "%(seconds)s s (limit %(limit)s s)": "%(seconds)s 秒（标准 %(limit)s 秒）",
    "%(count)s occurrence(s)": "%(count)s 次", "expected %(e)s, perceived %(p)s": "期望 %(e)s，感受 %(p)s",
    "Visits": "检查记录", "Branches": "营业厅", "Staff": "员工", "Add": "新增", "Save": "保存",
    "Search code or name": "搜索编码或名称", "Search": "搜索", "Deactivate": "停用", "Reactivate": "启用",
    "Nothing found.": "没有找到。", "Import CSV": "导入 CSV", "Import": "导入", "Sending…": "正在提交…",
    "Enter the visit date, time in and time out.": "请填写到访日期、进店和离店时间。",
    "Not sent: no connection. Everything is saved on this device; try again when online.":
        "未能提交：没有网络。所填内容已保存在本设备上，联网后请再次提交。",
    "Draft restored from this device.": "已恢复本设备上保存的草稿。", "Visit": "到访",
    "Visit date": "到访日期", "Time in": "进店时间", "Time out": "离店时间", "Submit": "提交",
    "Newer": "较新", "Older": "较早", "Choose the branch": "选择营业厅", "Critical failures": "关键项不达标",
    "Sections": "各部分得分", "Section": "部分", "Points": "得分/满分", "Staff observed": "被检查员工",
    "Critical": "关键项", "version": "版本", "Required": "必填", "pts": "分", "Standard": "标准",
    "Start": "开始", "Stop": "停止", "s": "秒", "Limit": "标准", "occurrences": "次", "pts each": "分/次",
    "Expectation": "期望", "Perception": "感受", "Choose a staff member": "选择员工", "Note": "备注",
    "Photo": "照片",
    "An answer is required.": "此项必须作答。", "This answer is not valid.": "答案无效。",
    "N/A is not allowed for this item.": "此项不能选\u201c不适用\u201d。",
    "This checklist has no such item.": "检查表中没有此项。",
    "Choose an active staff member of this branch.": "请选择本营业厅的在岗员工。",
    "This item takes no photos.": "此项不收照片。", "A photo is required.": "此项必须拍照。",
    "A photo is required when the standard is not met.": "不达标时必须拍照。",
    "Photo refused: %(reason)s": "照片未被接受：%(reason)s",
    "Reliability": "可靠性", "Responsiveness": "响应性", "Assurance": "保证性", "Empathy": "移情性",
    "Tangibles": "有形性", "Section scores": "各部分得分", "SERVQUAL dimensions": "SERVQUAL 五维度",
    "Dimensions": "维度", "Score by month": "月度得分", "Mean score by month": "月度平均分",
    "Download PDF": "下载 PDF", "Print": "打印", "Branch scorecard": "营业厅成绩单", "Period": "期间",
    "Mean score": "平均分", "Trend": "趋势", "Section averages": "各部分平均分", "Staff ranking": "员工排名",
    "not ranked: fewer than %(minimum)d visits": "不排名：少于 %(minimum)d 次",
    "Failed critical items": "关键项不达标", "Item": "检查项", "Times": "次数", "None in this period.": "本期无。",
    "Staff scorecard": "员工成绩单",
    "Only %(count)d attributed visit(s) in this period; at least %(minimum)d are needed before this score is "
    "used for ranking or pay.": "本期仅有 %(count)d 次检查记入该员工，少于 %(minimum)d 次，此分数不能用于排名或绩效。",
    "Weakest items": "最薄弱的检查项", "No item below its full points.": "没有失分的检查项。",
    "Submitted": "已提交", "In review": "审核中", "Returned": "已退回", "Released": "已发布", "Open": "待处理",
    "In progress": "处理中", "Done": "已完成", "Verified": "已验收",
    "Correct the items the reviewer commented on, then submit again.": "请按审核意见修改后重新提交。",
    "Actions": "整改", "Corrective actions": "整改措施", "All regions": "全部区域", "Overdue only": "只看逾期",
    "Due": "期限", "Owner": "责任人", "Status": "状态", "Overdue": "已逾期", "Closing note": "整改说明",
    "Closing photo": "整改照片", "Start work": "开始整改", "Mark done": "标记完成", "Verify": "验收",
    "Reopen": "重新打开", "Comment": "意见", "No differences.": "没有差异。", "Back to the visit": "返回检查记录",
    "Returned for correction": "已退回修改", "Correct and resubmit": "修改并重新提交", "Start review": "开始审核",
    "Release": "发布", "Return for correction": "退回修改",
    "Comments on single items go in the boxes under each item.": "针对单项的意见请填在各项下方的输入框。",
    "History": "处理记录", "Reviewer": "审核意见", "Comment on this item": "对此项的意见",
    "Corrective action": "整改措施", "Open a corrective action": "发起整改",
    "Performance": "绩效", "From": "从", "To": "到", "Branch code": "营业厅编码", "Show": "查看",
    "Branches and regions": "营业厅与区域", "Staff leaderboard": "员工排行", "Export XLSX": "导出 XLSX",
    "Answers CSV": "答案明细 CSV", "Not ranked yet": "暂不排名",
    "Fewer than %(minimum)d visits in this period.": "本期少于 %(minimum)d 次检查。", "Regions": "区域",
    "Critical failure rate": "关键项失败率", "Surveys": "问卷数", "Fix first": "优先改进", "Dimension": "维度",
    "Gap": "差距", "Open corrective actions": "未完成的整改",
    "The time needs a time zone.": "时间缺少时区。", "This date is not plausible.": "日期不合理。",
    "The visit ends before it starts.": "离开时间早于到达时间。", "A visit lasts at most 24 hours.": "一次到访最长 24 小时。",
    "The visit cannot end in the future.": "到访结束时间不能晚于现在。", "This note is too long.": "备注太长。",
    "The request could not be read": "请求无法读取", "You may not do this": "您没有权限执行此操作",
    "Not found": "没有找到", "Not allowed here": "此处不允许此操作", "Changed in the meantime": "已被他人更改",
    "Too large": "内容太大", "Not accepted": "未被接受", "Something went wrong": "出现问题",
    "Back to the home page": "返回首页", "Not sent yet: see the items marked in red.": "尚未提交：请查看标红的项目。",
    "The reviewer also commented on the items marked below.": "审核人还对下面标注的项目提出了意见。",
    "Visit time": "到访时间", "This field is missing or not in the expected form.": "此字段缺失或格式不对。",
    "Say what was done: a closing note is required.": "请填写整改说明。",
    "Show it: a closing photo is required.": "请上传整改后的照片。",
    "Too many attempts: wait a moment, then try again": "尝试次数过多：请稍候再试",
    "This answer is too long.": "答案太长。", "This text holds a character that cannot be stored.": "文字中有无法保存的字符。",
    "Signed in": "登录", "Sign-in refused": "登录被拒", "Signed out": "退出", "Signed out everywhere": "在所有设备退出",
    "Password changed": "修改密码", "Password reset": "重置密码", "User created": "新建用户", "User changed": "修改用户",
    "API token created": "创建 API 令牌", "API token revoked": "吊销 API 令牌", "Visit submitted": "提交检查",
    "Review started": "开始审核", "Visit released": "发布检查", "Visit returned": "退回检查", "Visit corrected": "修改检查",
    "Export": "导出", "Use at least 10 characters.": "密码至少 10 个字符。",
    "Do not use your e-mail address or your name in it.": "不要在密码中使用您的邮箱或姓名。",
    "Too easy to guess: a few unrelated words, or a longer phrase, are better.":
        "密码太容易猜到：请用几个不相关的词或更长的句子。",
    "Role": "角色", "May sign in": "允许登录", "Current password": "当前密码", "New password": "新密码",
    "New password again": "再次输入新密码", "The two passwords differ.": "两次输入的密码不一致。",
    "The current password is wrong.": "当前密码不对。",
    "Your password is changed; every other session has ended.": "密码已修改；其他设备上的登录已全部退出。",
    "Users": "用户", "Audit log": "审计日志", "Back": "返回", "Event": "事件", "Every event": "全部事件",
    "Who (e-mail)": "操作人（邮箱）", "What": "对象", "When": "时间", "Who": "操作人", "From address": "来源地址",
    "Account": "账户", "Change the password": "修改密码", "Sign out everywhere": "在所有设备退出",
    "Ends every session of this account, on every device, this one included.": "结束本账户在所有设备上的登录，包括本设备。",
    "Add a user": "新增用户", "A new user gets a random password, shown once on the next page.":
        "新用户将获得一个随机密码，只在下一页显示一次。",
    "Changing the role, the scope or the status signs this user out everywhere.": "修改角色、范围或状态后，该用户将在所有设备上退出登录。",
    "Reset the password": "重置密码", "Search e-mail or name": "搜索邮箱或姓名", "Scope": "范围", "Active": "启用",
    "Disabled": "已停用", "The password of this account is now:": "该账户的密码现在是：",
    "Give it to the user now: it is not shown again. They can change it under \"Account\".":
        "请立即交给该用户：此密码不会再次显示。用户可在“账户”中修改。",
    "Back to the users": "返回用户列表",
    "Scored by": "评分人", "Scorecard": "成绩单", "Weighted SERVQUAL gap": "SERVQUAL 加权差距", "Branch manager": "营业厅负责人",
    # The offline field app (issue 11)
    "Sign in again to send the visits waiting on this device.": "请重新登录以发送此设备上等待的走访。",
    "%(count)s visits on this device are not sent yet. They stay here for you and are sent when you sign in again. Sign out?":
        "此设备上有 %(count)s 条走访尚未发送。它们会为您保留，您再次登录后即会发送。确定退出吗？",
    "Discard": "丢弃",
    "Discard this draft and its photos? This cannot be undone.": "丢弃此草稿及其照片？此操作无法撤销。",
    "Outbox": "发件箱",
    "Your session has ended. Visits wait on this device until you sign in again.": "您的登录已失效。走访会保留在此设备上，直到您重新登录。",
    "Your drafts on this device": "此设备上的草稿",
    "Not available offline": "离线时不可用",
    "This page is not kept on this device and there is no connection. Forms you may fill in, your drafts and the outbox work without one.":
        "此页面未保存在本设备上，且当前没有网络。您可填写的表单、草稿和发件箱无需网络即可使用。",
    "Home": "首页",
    "Waiting for network": "等待网络",
    "Sending": "发送中",
    "Sent": "已发送",
    "Needs attention": "需要处理",
    "Queued": "提交于",
    "Send again": "重新发送",
    "Edit": "修改",
    "Discard this visit and its photos? It was not sent and cannot be recovered.": "丢弃此走访及其照片？它尚未发送，丢弃后无法恢复。",
    "No connection: the visits wait here and are sent when the connection returns.": "没有网络：走访保留在这里，网络恢复后自动发送。",
    "Nothing waits on this device.": "此设备上没有待发送的走访。",
    "This file is not a file of unsent visits.": "此文件不是未发送走访的导出文件。",
    "This file holds visits of another user: only they can import it.": "此文件中是其他用户的走访，只有该用户本人可以导入。",
    "Imported %(new)s visits; %(known)s were already on this device.": "已导入 %(new)s 条走访；%(known)s 条已在此设备上。",
    "A draft for this checklist and branch already exists: send or discard it first.": "此清单和网点已有一份草稿：请先提交或丢弃它。",
    "Visits submitted on this device are kept here until the server has them. They are sent by themselves when there is a connection.":
        "在此设备上提交的走访会保留在这里，直到服务器收到为止。有网络时会自动发送。",
    "Send now": "立即发送",
    "Save unsent visits to a file": "将未发送的走访保存为文件",
    "Import visits from a file": "从文件导入走访",
    "Remove photo": "删除照片",
    "This branch is not in your scope on this device. Choose the branch again from the checklist.":
        "此网点不在您于本设备上的负责范围内。请从清单重新选择网点。",
    "Discard draft": "丢弃草稿",
    "View the visit": "查看走访",
    "Signing out needs a connection, so that the server ends your session. Your visits stay on this device either way.":
        "退出登录需要网络连接，以便服务器结束您的会话。无论如何，您的走访都会保留在此设备上。",
    "Something went wrong on this device. Your answers are kept: reload the page and try again.":
        "此设备上出现了问题。您的答案已保留：请刷新页面后重试。",
    "The server refused this visit. Edit it, or discard it.": "服务器拒收了这条走访。请修改或丢弃它。",
    "The server already has this visit with different answers, perhaps sent from another device. Compare it in the visit list; this copy is kept until you discard it.":
        "服务器上已有这条走访，但答案不同，可能是从另一台设备发送的。请在检查记录中核对；此副本会一直保留，直到您将其丢弃。",
    "Inspection": "质检",
}


def main() -> None:
    with open(PO, "rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if message.id in ZH:
            message.string = ZH[message.id]
            message.flags.discard("fuzzy")
    # A fuzzy match is pybabel's guess from a similar string: wrong more often than not, so never kept.
    missing = [message.id for message in catalog if message.id and (not message.string or message.fuzzy)]
    with open(PO, "wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False)
    if missing:
        raise SystemExit(f"untranslated: {missing}")


if __name__ == "__main__":
    main()
