"""Stable check codes.

Every finding ducha reports carries one of these codes.  The codes are a public
interface (pipelines grep for them, the staff guide explains them): never reuse
or renumber a code, only add new ones.  ``docs_markdown()`` renders the
published page 校验规则; a test fails when a code is missing there.

Numbering:
  D1xx  reading the file (encoding, YAML syntax)
  D2xx  the item contract (fields, types, ids)
  D3xx  references to the ledger rules (units, leaders, categories)
  D4xx  dates in order
  D5xx  workflow evidence (status needs its approval, result, review ...)
  D6xx  as-of warnings (overdue, missing progress, reading time, calendar)
  D7xx  security (classification)
  B1xx  bulletins (front matter, numbering, figures, the numbers of the body)
  R1xx  the ledger rules file itself
  N1xx  督查通知单 files (ducha notice)
  V1xx  the review register of audit findings (audit/reviews.yml)
"""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"
NOTICE = "notice"  # said, never a failure: e.g. a number in a bulletin's body that no figure backs
SEVERITY_NAMES = {ERROR: "错误", WARNING: "警告", NOTICE: "提示"}


@dataclass(frozen=True)
class Code:
    code: str
    severity: str
    title: str
    fix: str


_CODES = [
    # -- reading the file
    Code("D101", ERROR, "文件不是 UTF-8 编码", "用 UTF-8 编码另存该文件（WPS/记事本：另存为 → 编码选 UTF-8）。"),
    Code("D102", ERROR, "文件开头有 BOM 标记", "用“UTF-8 无 BOM”编码另存该文件。"),
    Code("D103", ERROR, "文件中有 NUL 空字节", "文件可能已损坏或是二进制文件，请从版本库恢复后重新编辑。"),
    Code("D104", ERROR, "用制表符（Tab）缩进", "YAML 只能用空格缩进，把 Tab 替换为两个空格。"),
    Code("D105", ERROR, "文件过大", "单个事项文件不应超过 256 KB；附件材料请另行归档，事项中只写摘要。"),
    Code("D106", ERROR, "YAML 语法错误", "按提示的行、列检查冒号、缩进、引号和括号是否配对。"),
    Code("D107", ERROR, "字段重复", "同一层级中同名字段只能出现一次，删除或合并重复的字段。"),
    Code("D108", ERROR, "YAML 锚点/别名展开过多", "不要在事项文件中使用 & 锚点与 * 别名，直接写出内容。"),
    Code("D109", ERROR, "文件内容不是一个事项", "事项文件应是一个 YAML 映射（字段: 值），只含一个文档，不能为空。"),
    Code("D110", ERROR, "不支持的 YAML 标签", "删除以 ! 开头的类型标签，直接写值。"),
    Code("D111", ERROR, "事项文件是符号链接", "items/ 下不能有符号链接（文件或文件夹）：链接指向的内容不在任何提交中，不读取也不发布。删除链接，把事项文件本身放进 items/ 并提交。"),
    Code("D112", ERROR, "事项文件扩展名不是 .yml", "只有以 .yml 结尾的文件才是事项；.yaml、.YML、.yml.txt 等文件不校验、不统计、不发布。把文件改名为“编号.yml”。"),
    # -- the item contract
    Code("D201", ERROR, "缺少必填字段", "补上该字段；可用 `ducha new` 生成完整的事项模板。"),
    Code("D202", ERROR, "未知字段", "检查字段名拼写（见事项字段说明）；不支持自定义字段。"),
    Code("D203", ERROR, "字段类型错误", "按事项字段说明填写：日期写成 2026-03-05，列表用“- ”开头。"),
    Code("D204", ERROR, "字段取值不在允许范围内", "从提示列出的可选值中选择一个。"),
    Code("D205", ERROR, "日期或时间格式错误", "日期写成 YYYY-MM-DD（如 2026-03-05），时间写成 YYYY-MM-DD HH:MM。"),
    Code("D206", ERROR, "编号格式错误", "编号形如 DC-2026-0001：DC-年份-四位序号。"),
    Code("D207", ERROR, "编号与文件名不一致", "文件名（不含 .yml）必须等于 id 字段；改文件名或改 id。"),
    Code("D208", ERROR, "编号重复", "同一编号只能有一个事项文件；新事项请用 `ducha new` 分配编号。"),
    Code("D209", WARNING, "事项文件不在对应年份目录", "把文件移到 items/<编号中的年份>/ 目录下。"),
    Code("D210", WARNING, "缺少编辑器校验注释", "在文件第一行加上 `# yaml-language-server: $schema=../item.schema.json`。"),
    Code("D211", ERROR, "字段内容为空", "填写内容，或删除该字段。"),
    Code("D212", ERROR, "事项文件的位置或文件名不合规定", "事项文件只能是 items/<年份>/<编号>.yml，文件夹和文件名只用字母、数字、“-”“_”“.”；把文件移到对应年份目录并改名。"),
    Code("D213", ERROR, "有序号没有批次", "seq 是事项在某次会议或某份文件任务清单中的序号，须同时写 batch（ledger.yml 的 batches 中的批次代码）。"),
    Code("D214", ERROR, "同一批次的序号重复", "同一次会议或同一份文件中每个序号只对应一个事项；核对任务清单，改正其中一个事项的 seq。"),
    Code("D215", ERROR, "进展写了完成数，事项却没有目标", "进展中的 value（累计完成数）、percent（完成百分比）都是相对于事项的可量化目标而言的：在事项中写 target（value 目标数、unit 单位，如 `target: {value: 3200, unit: 户}`），或删去进展中的完成数。"),
    Code("D216", ERROR, "完成数超出允许范围", "percent 是完成目标的百分比，只能在 0 到 100 之间（超额完成请写 value 累计完成数）；value 是累计完成数，不能为负数。"),
    Code("D217", ERROR, "同一条进展同时写了完成数和完成百分比", "一条进展只写 value（累计完成数，与目标同一单位）或 percent（完成百分比）之一。"),
    Code("D218", NOTICE, "累计完成数比上一次报告的少", "value、percent 是累计数，一般只增不减；核减（如审核后按口径剔除）是允许的，按最近一次报告计算序时进度，请在该条进展中写明核减的原因。"),
    Code("D219", ERROR, "记录写在了别的列表下面", "按这条记录的字段，把它移到所属的列表（如进展写在 progress: 下，催办写在 reminders: 下），与该列表中的其他记录对齐。"),
    # -- references
    Code("D301", ERROR, "未知单位代码", "单位代码须在 items/ledger.yml 的 units 中登记。"),
    Code("D302", ERROR, "未知领导代码", "领导代码须在 items/ledger.yml 的 leaders 中登记。"),
    Code("D303", ERROR, "未知事项类别", "类别须在 items/ledger.yml 的 categories 中登记。"),
    Code("D304", WARNING, "交办时单位已撤并", "单位已于撤并日期后并入其他单位，新事项应交办给承接单位。"),
    Code("D305", ERROR, "牵头单位同时列为配合单位", "从 co_units 中删除牵头单位。"),
    Code("D306", ERROR, "配合单位重复", "co_units 中同一单位只写一次。"),
    Code("D307", ERROR, "批次未登记", "在 ledger.yml 的 batches 中登记该会议或文件（kind、date、title，可写 number），或改正 batch 代码。"),
    # -- dates in order
    Code("D401", ERROR, "办理期限早于交办日期", "检查 deadline 与 assigned 是否写反。"),
    Code("D402", ERROR, "办结日期早于交办日期或审核日期", "办结（closed）不能早于交办日期和最后一次审核日期。"),
    Code("D403", ERROR, "延期批准日期早于申请日期", "检查 extensions 中 approved 与 requested。"),
    Code("D404", ERROR, "日期晚于统计截止日", "记录的日期不能晚于今天（或指定的统计截止日）。"),
    Code("D405", ERROR, "记录未按时间顺序排列", "progress、reminders、extensions、reviews 只能在末尾追加，日期须递增。"),
    Code("D406", ERROR, "审核或报结日期早于应有的日期", "报结不能早于交办，审核不能早于报结。"),
    Code("D407", ERROR, "批阅退回时间早于送阅时间", "检查 circulation 中 sent 与 returned。"),
    Code("D408", ERROR, "拟办意见审批日期晚于交办日期", "先经领导审批拟办意见，再交办承办单位。"),
    # -- workflow evidence
    Code("D501", ERROR, "缺少领导审批的拟办意见", "拟办以外的状态须有 approval（opinion、by、date）。"),
    Code("D502", ERROR, "缺少报结材料", "已报结、退回重办、已办结的事项须有 result（reported、text）。"),
    Code("D503", ERROR, "办结缺少审核通过记录", "已办结事项的最后一次审核（reviews）结果须为 passed。"),
    Code("D504", ERROR, "办结日期与状态不符", "status 为 closed 时必须写 closed 日期，其他状态不能有 closed。"),
    Code("D505", ERROR, "退回重办缺少退回记录", "status 为 returned 时，最后一次审核结果须为 returned。"),
    Code("D506", ERROR, "撤销信息与状态不符", "status 为 cancelled 时须写 cancellation（date、by、reason），其他状态不能有。"),
    Code("D507", ERROR, "报结后尚未审核却已有审核通过", "审核须在报结之后；重新报结后应有新的审核。"),
    Code("D511", ERROR, "延期未经批准却写了新期限", "延期须写明 approved_by 与 approved，否则不能写 new_deadline。"),
    Code("D512", ERROR, "延期后的期限不晚于原期限", "new_deadline 必须晚于延期前的有效期限。"),
    Code("D513", ERROR, "已批准的延期缺少新期限", "批准延期须写 new_deadline；不同意延期请写 rejected。"),
    Code("D514", ERROR, "延期同时写了批准和不批准", "一次延期申请只能是批准（approved）或不批准（rejected）之一。"),
    Code("D515", WARNING, "市长信箱来信缺少来信人信息", "市长信箱事项应填写 citizen（网站上自动隐藏）。"),
    # -- as-of warnings
    Code("D601", WARNING, "超期未办结且未说明原因", "承办单位须报告进展并说明原因（progress 中写 delay_reason），或申请延期；否则列入通报批评。"),
    Code("D602", WARNING, "未按期报告进展", "办理中事项须按规定间隔报告进展（progress）。"),
    Code("D603", WARNING, "领导批阅超过时限", "送阅件应在规定时限内批阅退回（见 ledger.yml 的 reading_limits）。"),
    Code("D604", WARNING, "该年份节假日安排未知", "在 items/ledger.yml 的 holiday_overrides 中补充该年份的放假与调休安排。"),
    # -- security
    Code("D701", ERROR, "涉密事项不得录入", "秘密、机密、绝密事项一律不得录入本系统，请立即删除并按保密规定处理。"),
    # -- bulletins (bulletins/**.md)
    Code("B101", ERROR, "通报前言错误", "通报文件以 --- 包围的 YAML 前言开头，写明 kind、year、number、date、title、issuer、recipients。"),
    Code("B102", ERROR, "通报期号重复", "同一类别同一年度的期号不能重复；改用下一个期号。"),
    Code("B103", ERROR, "通报期号不连续", "同一类别同一年度的期号应从 1 起连续编排；补上缺少的一期或改正期号。"),
    Code("B104", ERROR, "通报中的数字与台账不符", "通报记录的数字须能从其提交（commit）和截止日（as_of）重新算出；不要手工改数字，改了台账请重新起草。"),
    Code("B105", ERROR, "通报文件是符号链接", "bulletins/ 下不能有符号链接（文件或文件夹）：链接指向的内容不在任何提交中，不读取也不发布。删除链接，把通报文件本身放进 bulletins/ 并提交。"),
    Code("B106", ERROR, "通报含密级标志", "涉密内容一律不得录入本系统，含密级标志（秘密★、机密★、绝密★）或涉密密级的通报不发布；请立即删除并按保密规定处理。"),
    Code("B107", ERROR, "通报文件的位置或文件名不合规定", "通报只能是 bulletins/<年份>/<类别>-<期号>.md（`ducha bulletin new` 按此生成），文件夹和文件名只用字母、数字、“-”“_”“.”。"),
    Code("B108", ERROR, "通报正文中的数字与统计项不符", "正文中标记了统计项的数字（起草时写入，前有看不见的标记 `<!--fig:…-->`）与按提交重新计算的结果不同：改回原数字；台账变了请重新起草，不要手工改正文数字。"),
    Code("B109", NOTICE, "通报正文中的数字没有对应的统计项，未核对", "这些数字不是起草时从统计项写入的（日期、编号、文号、序号除外），ducha 无法核对；请人工核实，能用统计项表达的数字请重新起草生成。"),
    Code("B110", WARNING, "起草时写入正文的统计项找不到了", "正文中该统计项的数字或其前面的标记 `<!--fig:…-->` 被删去，这一处无法核对；删去整段是有意的，可忽略，否则从草稿恢复该数字及标记。"),
    Code("B111", ERROR, "通报正文中的数字标记无法核对", "标记 `<!--fig:…-->` 后面应紧跟阿拉伯数字（如 79、48.1%（38/79）），标记名须是统计项；不要把数字改写成汉字或挪开标记，不要自己编写标记。"),
    Code("B116", ERROR, "通报文件过大", "一期通报（连同前言）不应超过 2 MB（约可列明 3000 件事项）；范围过大的，请按牵头单位或事项类别分别起草。"),
    Code("B117", ERROR, "未安装 LibreOffice，不能生成 PDF", "安装 LibreOffice（Debian/Ubuntu：apt-get install --no-install-recommends libreoffice-writer-nogui fonts-noto-cjk），或只生成 Word 文件；程序不在 PATH 上时用环境变量 DUCHA_SOFFICE 指明。"),
    Code("B118", ERROR, "LibreOffice 转换 PDF 失败或超时", "未写出任何 PDF。先只导出 Word 文件看能否打开；再重试，仍失败时把 LibreOffice 的报错一并反馈。"),
    Code("B119", ERROR, "通报的数字未核对一致，不生成公文", "运行 ducha bulletin verify 查看哪个数字对不上，改正后再导出；公文只按核对一致的通报生成。"),
    # -- pull-request checks against the base (ducha check --base)
    Code("T101", ERROR, "状态变更不符合办理流程", "状态只能按 拟办→已交办→办理中→已报结→已办结（或退回重办→办理中/已报结，未办结时可撤销）逐步变更，每一步单独提交。"),
    Code("T102", ERROR, "未经批准延期却改了办理期限", "改期限只能通过延期：在 extensions 末尾追加经领导批准的延期（approved_by、approved、new_deadline），不要直接改 deadline。"),
    Code("T103", ERROR, "修改或删除了已有记录", "progress、reminders、extensions、reviews 只能在末尾追加；写错的内容请追加一条更正说明。待批的延期可以补写批准或不批准。"),
    Code("T104", ERROR, "修改了已办结或已撤销的事项", "已办结、已撤销的事项不能再改，只能补充送阅记录（circulation）和来信答复（reply）。"),
    Code("T105", ERROR, "删除了事项文件", "事项文件不能删除；不再办理的事项请经领导同意后改为已撤销（cancelled）。"),
    Code("T106", ERROR, "新事项的编号已被占用", "目标分支上已有该编号的事项，请用 `ducha new` 重新分配编号。"),
    Code("T107", ERROR, "改动了事项编号", "事项编号一经分配不能改动。"),
    Code("T108", WARNING, "记录日期早于合并之日超过容许天数", "合并后该记录按进入主分支之日（最早为检查当天）计算是否按期，不按所写日期；记录属实的，合并后请审计人员在 audit/reviews.yml 登记“属实已核”。"),
    # -- audit findings over the history (ducha audit)
    Code("A101", WARNING, "倒签或预填日期", "记录中的日期与写入它的提交日期相差超过容许天数，核实是否补录、倒签。"),
    Code("A102", WARNING, "未经批准延期改动期限", "期限被改动，但同一提交中没有新批准的延期。"),
    Code("A103", WARNING, "修改已办结或已撤销事项", "已办结、已撤销事项被改动，核实原因。"),
    Code("A104", WARNING, "事项文件被删除", "事项文件从台账中被删除，核实原因并恢复。"),
    Code("A105", WARNING, "绕过合并请求直接提交", "主分支上的提交不是合并请求的合并提交。"),
    Code("A106", WARNING, "提交人不在督查室人员名单中", "提交人邮箱不在 ledger.yml 的 staff 名单中。"),
    Code("A107", WARNING, "提交缺少有效签名", "规则要求签名，但该提交没有签名或签名无效。"),
    Code("A108", WARNING, "历史被改写", "上次审计时的主分支最新提交已不在当前历史中（强制推送、变基）。"),
    Code("A109", WARNING, "状态变更不符合办理流程", "历史中出现了跳过流程的状态变更。"),
    Code("A110", WARNING, "修改或删除了已有记录", "历史中进展、催办、延期、审核记录被改动或删除，而不是追加。"),
    Code("A111", WARNING, "文件名不是 UTF-8 编码", "items/ 下的文件名须是 UTF-8 编码（常见于从 Windows 解压的 GBK 文件名）；该文件未作为事项读取，请删除或改用编号命名。"),
    Code("A112", WARNING, "提交时间无法识别", "提交对象中的时间或时区偏移无效（如 +9999），多为手工构造或工具故障；核实该提交的来历，按 UTC 时间审计。"),
    Code("A113", WARNING, "历史版本无法读取，未审计", "该版本过大、不是 UTF-8 或 YAML 有误，按检查文件时的同样规则未解析；核实这一版本写了什么，前后版本照常审计。"),
    Code("A114", WARNING, "提交说明含密级标志", "涉密内容一律不得录入本系统，提交说明也不例外；网站上不显示该说明。按保密规定报告处理，今后的提交说明不得写入涉密内容。"),
    Code("A115", WARNING, "提交时间早于上一提交", "主分支上的提交时间早于它的上一提交（时钟有误或伪造时间）；按上一提交的时间计其入账日，核实该提交的来历。"),
    Code("A116", WARNING, "提交时间与作者时间相差过大", "提交时间与作者时间相差超过容许天数（变基、补交或改动了时钟）；核实该提交何时真正写成。"),
    Code("A117", WARNING, "提交时间晚于统计截止日", "提交时间在审计截止日之后（时钟超前或伪造时间）；核实该提交的来历。"),
    # -- the rules file
    Code("R101", ERROR, "找不到台账规则文件", "在 items/ 下创建 ledger.yml（可用 `ducha init` 生成）。"),
    Code("R102", ERROR, "台账规则字段错误", "按提示修改 items/ledger.yml。"),
    Code("R103", ERROR, "单位撤并信息错误", "merged_into 必须是已登记的单位，且须同时写 valid_until。"),
    Code("R104", ERROR, "节假日补充数据错误", "holiday_overrides 的年份、日期须一致，且不能与已收录的年份重复冲突。"),
    Code("R105", ERROR, "考核计分上下限错误", "scoring 的最低分 min 不能高于最高分 max，基础分 base 须在两者之间。"),
    Code("R106", ERROR, "规则文件中的日期不存在", "日期须是日历上实际存在的日子（如 2 月没有 30 日、6 月没有 31 日），按 YYYY-MM-DD 改正。"),
    Code("R107", ERROR, "台账规则文件是符号链接", "items/ledger.yml 和 items/ 文件夹都不能是符号链接；删除链接，把规则文件本身放在 items/ 下提交。"),
    Code("R108", ERROR, "百分比小数位数错误", "statistics.decimals 是百分比四舍五入保留的小数位数，只能写 0、1 或 2（省略时为 1）。"),
    Code("R111", ERROR, "类别未写明默认期限", "每个类别都要写 deadline：按紧急程度写 normal、urgent、critical 的默认期限；确实没有默认期限的（会议议定事项、工作报告任务等未明确时限的），明确写 deadline: none。不能空着或省略。"),
    Code("R112", ERROR, "无默认期限的写法不对", "类别没有默认期限时只能写 deadline: none（小写英文，不加引号也可）；None、无、false、0 等写法意思不明，不予接受。"),
    Code("R113", ERROR, "无默认期限只能对整个类别声明", "none 不能写在某一紧急程度下：一个类别要么各紧急程度都有默认期限，要么整个类别写 deadline: none；需要不同期限的事项在事项中写明 deadline。"),
    Code("R114", ERROR, "序时进度的计算方式错误", "pace.basis 只能是 year（按年度：截止日所在月份 ÷ 12）或 term（按办理期限：交办日至截止日的天数 ÷ 交办日至有效期限的天数），省略时为 year。"),
    Code("R115", ERROR, "序时进度的阈值错误", "pace 的 ahead_points、behind_points、yellow_behind、red_behind 是百分点数，须为不小于 0 的数，且 yellow_behind 不能大于 red_behind（默认 0、0、10、30）。"),
    Code("R116", ERROR, "序时进度设置错误", "pace 只能写 basis、ahead_points、behind_points、yellow_behind、red_behind、lights；lights 只能是 true 或 false（省略时为 false，即灯色仍只按期限判断）。"),
    # -- 督查通知单 written to files
    Code("N101", ERROR, "通知单生成后被修改过，未覆盖", "另存人工修改过的通知单，或换一个输出目录；确认不要这些修改时再指定覆盖。"),
    # -- the review register of audit findings (audit/reviews.yml)
    Code("V101", ERROR, "复核登记文件无法读取", "audit/reviews.yml 须是 UTF-8 编码的 YAML；按提示改正语法。"),
    Code("V102", ERROR, "复核登记条目不完整", "每条写 finding（ducha audit 给出的复核编号）、reviewer、date（YYYY-MM-DD）、decision，可加 note。"),
    Code("V103", ERROR, "复核结论无效", "decision 只能是“属实已核”（所写属实，按所写计）或“不予认可”（按保守值计）。"),
    Code("V105", ERROR, "同一审计发现重复登记", "一个审计发现只登记一次复核结论；删除重复的条目。"),
    Code("V106", WARNING, "复核人不在督查室人员名单中", "复核人应是 ledger.yml 的 staff 名单中的人员（写姓名或邮箱）。"),
    Code("V107", ERROR, "复核日期晚于截止日", "复核日期不能晚于检查的截止日；核对日期。"),
]

CODES: dict[str, Code] = {c.code: c for c in _CODES}


def get(code: str) -> Code:
    return CODES[code]


def docs_markdown() -> str:
    """The 校验规则 page: every code with its severity, meaning and fix."""
    sev = SEVERITY_NAMES
    groups = [
        ("D1", "文件读取"),
        ("D2", "事项字段"),
        ("D3", "引用的单位、领导、类别"),
        ("D4", "日期先后"),
        ("D5", "办理流程"),
        ("D6", "期限与时限提醒"),
        ("D7", "保密"),
        ("R1", "台账规则文件"),
        ("B1", "督查通报"),
        ("T1", "合并请求检查（与目标分支比较）"),
        ("A1", "审计发现（提交历史）"),
        ("N1", "督查通知单"),
        ("V1", "审计发现复核登记（audit/reviews.yml）"),
    ]
    lines = [
        "# 校验规则",
        "",
        "`ducha check` 报告的每个问题都有固定的代码。**错误**会使检查失败（退出码 1），"
        "合并请求不能合入；**警告**提示需要关注，不阻止合入；**提示**只是告知（如通报正文中无法核对的数字）。",
        "",
    ]
    for prefix, heading in groups:
        lines += [f"## {prefix}xx {heading}", "", "| 代码 | 级别 | 含义 | 怎么改 |", "|---|---|---|---|"]
        for c in _CODES:
            if c.code.startswith(prefix):
                lines.append(f"| <span id=\"{c.code}\">{c.code}</span> | {sev[c.severity]} | {c.title} | {c.fix} |")
        lines.append("")
    return "\n".join(lines)
