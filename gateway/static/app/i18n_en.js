// English courtesy translations, keyed by the Chinese text. Missing entries stay in Chinese.
export const EN = {
  // shell and navigation
  协同联动监督平台: 'Co-Supervision Platform',
  '区人大常委会 · 1+N 协同监督': 'District NPC Standing Committee · 1+N',
  工作台: 'Workspace', 工作台首页: 'Dashboard', 通知中心: 'Notifications', 通知: 'Notices',
  '计划共商·工作共推': 'Joint planning · joint work', 年度监督计划: 'Annual plan', 议题建议: 'Proposals', 联合会商会议: 'Consultation meetings',
  信息共享: 'Information sharing', 共享数据: 'Shared records', 风险预警: 'Early warnings', 监督对象画像: 'Subject portraits', 数据隔离区: 'Quarantine',
  线索共处: 'Joint handling of leads', 问题线索: 'Leads',
  整改共促: 'Joint rectification', 整改问题: 'Problems', 整改任务: 'Rectification tasks', 整改重点单位: 'Key units', 通报: 'Circulars',
  成果共用: 'Shared results', 成果库: 'Results library', 课题共研: 'Joint research', 研究课题: 'Research topics',
  综合查询: 'Across mechanisms', 事项追溯: 'Trace', 报告与导出: 'Reports & exports', 操作审计: 'Audit trail',
  '搜索事项、线索、问题、通报…': 'Search items, leads, problems, circulars…', 全局搜索: 'Search', 退出: 'Sign out', 主导航: 'Main navigation',
  '通知中心（{n} 条未读）': 'Notifications ({n} unread)',
  // roles and units
  人大常委会办公室: 'Standing committee office', 协作单位联络员: 'Liaison', 被监督单位: 'Supervised unit', '领导（只读）': 'Leader (read only)',
  // login
  登录: 'Sign in', 用户名: 'Username', 密码: 'Password', '正在登录…': 'Signing in…', 请输入用户名: 'Enter your username', 请输入密码: 'Enter your password',
  '用户名或密码不正确。': 'Wrong username or password.', '区人大常委会 “1+N” 协同联动监督': 'District NPC “1+N” co-supervision',
  '计划共商 · 工作共推 · 信息共享 · 线索共处 · 整改共促 · 成果共用 · 课题共研': 'Plan · Work · Share · Leads · Rectify · Results · Research',
  // common
  '正在加载…': 'Loading…', 暂无数据: 'No data', '加载失败：': 'Could not load: ', 重试: 'Retry', 全部: 'all',
  '在表格中筛选…': 'Filter this table…', 在表格中筛选: 'Filter this table', '共 {n} 条': '{n} rows', '（全部 {n} 条）': ' (of {n})',
  没有符合筛选条件的记录: 'No rows match the filter', 上一页: 'Previous', 下一页: 'Next',
  提交: 'Submit', '正在提交…': 'Submitting…', 取消: 'Cancel', 确定: 'OK', 关闭: 'Close', 操作成功: 'Done',
  此项为必填项: 'This field is required', '请完善标红的项目。': 'Please complete the fields marked in red.', '请选择…': 'Choose…',
  '请更正标红的项目。': 'Please correct the fields marked in red.', 是: 'Yes', 否: 'No', 已逾期: 'Overdue', 重点: 'Key',
  '{y} 年度': '{y}', 年度: 'Year', 追溯链条: 'Trace', '导出 Excel': 'Export Excel', 状态: 'Status', 逾期: 'Overdue',
  '无法连接服务器，请检查网络或稍后重试。': 'Cannot reach the server.', '登录已过期，请重新登录。': 'Your session expired; sign in again.',
  '您没有执行此操作的权限。': 'You may not do this.', '未找到该内容，或您无权查看。': 'Not found, or outside what you may see.',
  '服务器暂时无法处理请求，请稍后重试。': 'The server could not handle this; try again later.',
  // dashboard
  '{y} 年度协同监督工作台': '{y} co-supervision dashboard', '{u}，您好': 'Welcome, {u}', 各机制工作量: 'Work by mechanism',
  待办与提醒: 'To do and reminders', 各单位参与情况: 'Work by unit', 逾期分布: 'Overdue by kind', 逾期事项: 'Overdue',
  '进入通知中心 →': 'All notifications →', 没有未读通知: 'No unread notifications', 当前没有逾期事项: 'Nothing is overdue',
  // planning
  '{y} 年度协同联动专项监督计划': '{y} co-supervision plan', '计划共商 · 工作共推': 'Joint planning · joint work',
  计划状态: 'Plan status', 监督事项: 'Items', 重点事项: 'Key items', 实施中: 'In progress', 已办结: 'Concluded', 已通过: 'Adopted', 草拟中: 'Draft',
  事项名称: 'Item', 监督形式: 'Form', 牵头单位: 'Lead unit', 参与单位: 'Participating units', 新增监督事项: 'Add item', 审议通过计划: 'Adopt plan',
  联合监督: 'Joint supervision', 执法检查: 'Law-enforcement inspection', 专项治理: 'Special governance', 计划中: 'Planned', 已取消: 'Cancelled',
  基本信息: 'Details', 实施方案: 'Implementation plan', 派员情况: 'Staff', 工作节点: 'Milestones', 发现问题: 'Findings', 工作进展: 'Progress',
  启动实施: 'Start', 办结事项: 'Conclude', 已批准: 'Approved', 待审批: 'Awaiting approval', 重点监督事项: 'Key item', 事项说明: 'Description', 监督对象: 'Subjects',
  // leads
  线索总数: 'Leads', 办理中: 'Open', 待本单位受理: 'Awaiting my acceptance', 涉及对象: 'Subject', 线索摘要: 'Summary', 类别: 'Category',
  来源单位: 'Source unit', 当前承办: 'Holder', 办理期限: 'Due', 登记线索: 'Register lead', 移送: 'Transfer', 受理: 'Accept', 退回: 'Return',
  反馈办理结果: 'Report result', 办理过程: 'History', 线索信息: 'Lead', 已登记: 'Registered', 已移送: 'Transferred', 已受理: 'Accepted', 已退回: 'Returned',
  // rectification
  整改措施: 'Measures', 责任单位: 'Responsible unit', 督促单位: 'Supervising units', 整改期限: 'Deadline', 已交办: 'Assigned', 整改中: 'In progress',
  已报送: 'Submitted', 已销号: 'Verified', 只看逾期任务: 'Overdue only', 显示全部任务: 'All tasks', 任务总数: 'Tasks', 待销号: 'To verify',
  起草通报: 'Draft circular', 下载Word文档: 'Download Word', '下载 Word 文档': 'Download Word', 通报正文: 'Text', 已印发: 'Issued', 已公开: 'Published', 草稿: 'Draft', 已审核: 'Approved',
  // cross
  '下载年度工作报告（Word）': 'Download annual report (Word)', 年度工作报告: 'Annual work report', '清单导出（Excel）': 'Lists (Excel)',
  标为已读: 'Mark read', 已读: 'Read', 只看未读: 'Unread only', 显示全部: 'Show all', 搜索: 'Search',
};
