"""A synthetic ledger: N realistic, valid supervision items, deterministic from a seed.

    python tests/bench/synth.py --items 30000 --out /tmp/ledger --seed 1

writes ``DIR/items/ledger.yml`` (a copy of this repository's rules), ``DIR/items/item.schema.json`` and
``DIR/items/<year>/DC-<year>-<nnnn>.yml``.  Items average about 1.3 KB of Chinese text with progress,
reminders, extensions, reviews, circulation and citizen letters, in every status; ``ducha check`` reports
no errors on them as of ``--as-of`` or any later day (warnings such as D601/D602 are realistic and allowed).

Generating (``generate_items``) is kept apart from rendering (``render_item``) and writing
(``write_ledger``) so that other writers (a git history) can reuse the items.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import shutil
import sys
from pathlib import Path

from ducha import WorkCalendar
from ducha import Rules, parse_rules
from ducha.core.schema import ITEM_FIELDS_ORDER

REPO = Path(__file__).resolve().parents[2]
RULES_PATH = REPO / "items" / "ledger.yml"
SCHEMA_PATH = REPO / "items" / "item.schema.json"
DEFAULT_AS_OF = dt.date(2026, 11, 20)
VERSION = 2  # bump when the same seed yields different items
ITEMS_PER_YEAR = 5000
SCHEMA_LINE = "# yaml-language-server: $schema=../item.schema.json"
_DAY = dt.timedelta(days=1)

# -- text pools ------------------------------------------------------------------------------------

PLACES = ["和平区", "江华区", "北山区", "西河县", "柳桥镇", "东风街道", "城东片区", "高新区", "滨江新城", "老城区",
          "江州港", "经济开发区", "北站片区", "南湖片区", "西河县城关镇"]  # fmt: skip
PROJECTS = ["老旧小区改造", "地铁3号线建设", "农贸市场提升改造", "中小学校舍建设", "城市内涝治理", "农村生活污水治理",
            "营商环境优化", "重点项目土地征收", "生活垃圾分类处理设施建设", "停车难问题整治", "历史文化街区保护",
            "社区养老服务中心建设", "高标准农田建设", "背街小巷整治", "燃气管道老化更新", "学校周边交通秩序整治",
            "公共充电设施建设", "黑臭水体治理", "保障性租赁住房筹集", "中心医院新院区建设", "企业用工保障",
            "工业园区污水管网建设", "城乡公交一体化", "河道综合整治", "夜间经济街区建设", "危险化学品安全专项整治",
            "建筑工地扬尘治理", "商品房逾期交付问题处置", "农民工工资支付保障", "政务服务“一网通办”"]  # fmt: skip
VERBS = ["加快推进", "抓紧落实", "切实做好", "着力解决", "全面完成", "扎实推进", "认真研究解决", "统筹推进"]
TITLE_TAILS = ["", "工作", "相关问题", "有关工作", "并按期报送进展"]
DOCS = ["关于加快推进重点项目建设的报告", "关于城区防汛排涝工作情况的报告", "群众来信摘报", "关于优化营商环境的调研报告",
        "关于安全生产形势的分析报告", "信息专报", "关于民生实事项目进展情况的汇报"]  # fmt: skip
SUMMARY_LINES = [
    "摸清底数，建立问题清单、任务清单和责任清单，实行销号管理；",
    "明确时间表和路线图，倒排工期，挂图作战，确保按期完成；",
    "牵头单位负总责，配合单位按职责分工抓好落实，形成工作合力；",
    "加强资金保障，积极争取上级专项资金，市级配套资金及时拨付到位；",
    "严格落实安全生产责任，做好施工期间交通疏导和群众解释工作；",
    "每月10日前向市政府督查室报送工作进展，遇重大问题及时请示报告；",
    "办结后将办理结果书面报送市政府，并抄送市政府督查室；",
    "对群众反映强烈的突出问题，要立行立改，及时回应社会关切；",
    "建立长效管理机制，防止问题反弹回潮；",
    "做好政策解读和舆论引导，营造良好氛围。",
]  # fmt: skip
PROGRESS = [
    "已召开专题推进会，成立工作专班，制定实施方案，明确{a}项具体任务和完成时限。",
    "已完成前期摸排，共排查点位{b}处，发现问题{a}个，已整改{c}个，其余正在推进。",
    "项目完成投资{d}亿元，占年度计划的{p}%；主体工程已完成{p2}%。",
    "已与相关单位对接协调{a}次，土地征收完成{p}%，剩余地块正在开展入户评估。",
    "累计完成{b}户改造任务，惠及群众{e}人；对{a}处遗留问题逐一制定处置方案。",
    "已拨付市级资金{d}亿元，争取省级专项资金{f}万元，资金缺口问题基本解决。",
    "施工单位已进场，完成工程量{p}%。受连续降雨影响，部分工序顺延，正在抢抓晴好天气加快施工。",
    "组织开展现场督导{a}次，发现并整改问题{c}个，约谈相关负责人{g}名。",
    "初步设计已通过专家评审，正在开展施工图设计和招标准备工作。",
    "已完成{b}家企业走访，协调解决融资、用工、用地等问题{a}个。",
]  # fmt: skip
DELAY_REASONS = [
    "涉及跨部门审批事项较多，省级部门审批尚未完成，需待批复后方可开工。",
    "受汛期持续降雨影响，施工停工约{g}0天，已调整工期并增加作业班组。",
    "部分地块权属存在争议，正在依法开展调解，影响整体进度。",
    "专项资金尚未下达，已多次与省财政厅沟通，预计下月到位。",
]  # fmt: skip
REMINDER_NOTES = [
    "电话询问办理进度，要求按时报送进展情况。",
    "发督查通知单，要求倒排工期，确保按期完成。",
    "会同市政府办公室相关科室实地察看，现场督促加快进度。",
    "发函催办，要求说明未按期报送进展的原因。",
    "在市政府督查工作调度会上通报进度滞后情况。",
]  # fmt: skip
EXTENSION_REASONS = [
    "项目涉及省级审批，批复时间晚于预期，申请延期办理。",
    "受持续降雨和台风影响，施工进度滞后，申请延长办理期限。",
    "涉及群众切身利益，需进一步做好入户沟通和政策解释，申请延期。",
    "配套资金尚未到位，需待资金落实后推进，申请延期。",
]  # fmt: skip
REVIEW_PASSED = [
    "经核实，办理结果与报送情况一致，佐证材料齐全。同意办结。",
    "经实地察看，整改到位，群众满意。同意办结。",
    "办理及时，措施有力，问题已解决。同意办结，并纳入长效管理。",
]  # fmt: skip
REVIEW_RETURNED = [
    "报结材料缺少现场照片和验收资料，部分问题尚未整改到位，退回重办。",
    "抽查回访发现问题仍然存在，群众不满意，退回重办，请于10个工作日内重新报结。",
    "办理结果未回应交办要求的第2项，请补充办理后重新报结。",
]  # fmt: skip
RESULTS = [
    "已按交办要求全部完成。共完成投资{d}亿元，解决问题{a}个，惠及群众{e}人；已建立定期巡查和长效管护机制，明确责任单位和责任人。",
    "各项任务已完成并通过验收。排查问题{b}个，全部整改销号；对{g}名相关责任人进行约谈。相关经验做法已形成专报报送市政府。",
    "已完成整改，经回访群众满意。下一步将加强日常监管，防止问题反弹。办理情况已书面报送市政府并抄送市政府督查室。",
]  # fmt: skip
CANCEL_REASONS = ["经市政府研究，该事项已并入其他事项统一办理。", "上级政策调整，该事项不再实施。", "经核实，来信反映问题已由其他渠道处理完毕。"]
DOCUMENTS = ["办理情况报告", "延期申请", "专项督查报告", "督查专报", "整改方案"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["建国", "秀英", "海燕", "志强", "丽华", "文军", "晓明", "桂兰", "国平", "玉梅", "建华", "红霞"]
MAILBOX_ISSUES = ["小区噪音扰民", "道路积水", "路灯损坏", "物业服务差", "供暖不热", "出租车拒载", "施工夜间扰民", "菜市场占道经营"]

_PLAIN = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`0-9.+~=]")
_NOT_PLAIN = re.compile(r": |\s#|[\n\t]|:$|\s$")
_RESERVED = {"true", "false", "null", "yes", "no", "on", "off", "~"}


class _Context:
    def __init__(self, rules: Rules, as_of: dt.date):
        self.rules = rules
        self.as_of = as_of
        self.cal = rules.calendar()
        self.leaders = sorted(rules.leaders)
        # categories with a default deadline (the synthetic life of an item runs against one)
        self.categories = sorted(c for c, cat in rules.categories.items() if cat.deadline is not None)
        self.units = sorted(rules.units)


def load_rules(path: Path = RULES_PATH) -> Rules:
    rules, findings = parse_rules(Path(path).read_bytes(), "items/ledger.yml")
    if rules is None:
        raise ValueError(f"{path}: {findings}")
    return rules


# -- generation ------------------------------------------------------------------------------------


def _between(rng: random.Random, a: dt.date, b: dt.date) -> dt.date:
    return a + dt.timedelta(days=rng.randint(0, max(0, (b - a).days)))


def _sorted_dates(rng: random.Random, k: int, a: dt.date, b: dt.date) -> list[dt.date]:
    return sorted(_between(rng, a, b) for _ in range(k))


def _fill(rng: random.Random, template: str) -> str:
    return template.format(
        a=rng.randint(3, 48), b=rng.randint(20, 900), c=rng.randint(1, 30), d=round(rng.uniform(0.2, 18.0), 1),
        e=rng.randint(300, 26000), f=rng.randint(200, 9000), g=rng.randint(2, 9), p=rng.randint(20, 95),
        p2=rng.randint(10, 90),
    )  # fmt: skip


def _working_day_on_or_before(cal: WorkCalendar, day: dt.date, floor: dt.date) -> dt.date:
    probe = day
    while probe > floor and not cal.is_workday(probe):
        probe -= _DAY
    return probe if cal.is_workday(probe) else cal.next_workday(day)


def _default_deadline(ctx: _Context, category: str, urgency: str, assigned: dt.date) -> dt.date:
    rule = ctx.rules.categories[category].deadline[urgency]
    if rule.unit == "working":
        return ctx.cal.add_working_days(assigned, rule.days)
    return ctx.cal.next_workday(assigned + dt.timedelta(days=rule.days))


def _status(rng: random.Random, age: int) -> str:
    if age < 7:
        table = (("draft", 30), ("assigned", 50), ("in_progress", 20))
    elif age < 30:
        table = (("draft", 5), ("assigned", 15), ("in_progress", 60), ("reported", 10), ("closed", 7), ("cancelled", 3))
    elif age < 120:
        table = (("assigned", 3), ("in_progress", 35), ("reported", 12), ("returned", 6), ("closed", 40), ("cancelled", 4))
    else:
        table = (("in_progress", 7), ("reported", 3), ("returned", 3), ("closed", 82), ("cancelled", 5))
    names, weights = zip(*table)
    return rng.choices(names, weights)[0]


def _one_item(rng: random.Random, ctx: _Context, item_id: str, assigned: dt.date) -> dict:
    as_of, cal, rules = ctx.as_of, ctx.cal, ctx.rules
    status = _status(rng, (as_of - assigned).days)
    category = rng.choice(ctx.categories)
    urgency = rng.choices(("normal", "urgent", "critical"), (75, 20, 5))[0]
    units = [u for u in ctx.units if rules.units[u].valid_until is None or rules.units[u].valid_until >= assigned]
    lead, *co = rng.sample(units, rng.choice((1, 1, 2, 2, 3, 4)))
    leader = rng.choice(ctx.leaders)
    place, project = rng.choice(PLACES), rng.choice(PROJECTS)
    cat = rules.categories[category]
    item: dict = {"id": item_id}
    if cat.mailbox:
        issue = rng.choice(MAILBOX_ISSUES)
        item["title"] = f"市民反映{place}{rng.choice(['锦绣', '阳光', '幸福', '翠湖', '江南'])}花园{issue}问题"
    else:
        item["title"] = f"{rng.choice(VERBS)}{place}{project}{rng.choice(TITLE_TAILS)}"
    item["category"] = category
    item["source"] = _source(rng, category, assigned, leader, rules)
    item["leader"] = leader
    item["lead_unit"] = lead
    if co:
        item["co_units"] = co
    item["assigned"] = assigned
    explicit = rng.random() < 0.6
    if explicit:
        item["deadline"] = assigned + dt.timedelta(days=rng.choice((10, 15, 20, 30, 45, 60, 90, 120)))
        effective = cal.next_workday(item["deadline"])
    else:
        effective = _default_deadline(ctx, category, urgency, assigned)
    item["urgency"] = urgency
    item["secrecy"] = rng.choices(("internal", "public"), (80, 20))[0]
    item["status"] = status
    lines = rng.sample(SUMMARY_LINES, rng.choice((1, 2, 2, 3)))
    item["summary"] = "".join(f"{i}. {line}\n" for i, line in enumerate(lines, 1))
    if status == "draft":
        _citizen(rng, item, cat)
        return item
    lead_name, co_names = rules.unit_name(lead), "、".join(rules.unit_name(u) for u in co)
    when = f"{item['deadline'].month}月{item['deadline'].day}日前" if explicit else "按期"
    item["approval"] = {
        "opinion": f"拟请{lead_name}牵头{'，' + co_names + '配合' if co else ''}办理，{when}办结。",
        "by": leader,
        "date": max(assigned - dt.timedelta(days=rng.randint(0, 3)), dt.date(assigned.year, 1, 1)),
    }

    # when the work stops: the close, the cancellation, or as_of for open items
    if status == "closed":
        span = max(1, (effective - assigned).days)
        finish = assigned + dt.timedelta(days=int(span * rng.uniform(0.3, 1.0)) if rng.random() < 0.75 else span + rng.randint(1, 30))
        end = min(finish, as_of)
    elif status == "cancelled":
        end = _between(rng, assigned, min(as_of, assigned + dt.timedelta(days=60)))
    else:
        end = as_of
    # the report comes in the last part of the work
    reported = _between(rng, assigned + (end - assigned) * 2 // 3, end) if status in ("reported", "returned", "closed") else end

    n_progress = {"assigned": 0, "cancelled": rng.randint(0, 1)}.get(status, rng.choice((1, 1, 1, 2, 2)))
    progress = []
    for day in _sorted_dates(rng, n_progress, assigned, reported):
        progress.append({"date": day, "by": rng.choice([lead, lead, *co]), "text": _fill(rng, rng.choice(PROGRESS))})
    if progress and status in ("in_progress", "returned") and as_of > effective and rng.random() < 0.5:
        progress[-1]["delay_reason"] = _fill(rng, rng.choice(DELAY_REASONS))
    if progress:
        item["progress"] = progress

    if status != "assigned" and rng.random() < 0.4:
        item["reminders"] = [
            {"date": day, "method": rng.choice(("phone", "notice", "visit", "document", "meeting")), "note": rng.choice(REMINDER_NOTES)}
            for day in _sorted_dates(rng, rng.choice((1, 1, 2)), assigned, end)
        ]  # fmt: skip

    if status not in ("assigned", "draft") and rng.random() < 0.2:
        extensions = _extensions(rng, ctx, assigned, reported, effective, status)
        if extensions:
            item["extensions"] = extensions

    if status in ("reported", "returned", "closed"):
        reviews = []
        first = reported
        if status == "closed" and rng.random() < 0.25 or status == "reported" and rng.random() < 0.15:
            returned_on = _between(rng, assigned, reported)
            reviews.append({"date": returned_on, "result": "returned", "opinion": rng.choice(REVIEW_RETURNED), "by": _staff(rng, rules)})
        if status == "closed":
            review_day = _between(rng, first, end)
            reviews.append({"date": review_day, "result": "passed", "opinion": rng.choice(REVIEW_PASSED), "by": _staff(rng, rules)})
        elif status == "returned":
            review_day = _between(rng, first, end)
            reviews.append({"date": review_day, "result": "returned", "opinion": rng.choice(REVIEW_RETURNED), "by": _staff(rng, rules)})
        if reviews:
            item["reviews"] = reviews
        item["result"] = {"reported": reported, "text": _fill(rng, rng.choice(RESULTS))}
        if status == "closed":
            item["closed"] = min(reviews[-1]["date"] + dt.timedelta(days=rng.randint(0, 2)), as_of)
    if status == "cancelled":
        item["cancellation"] = {"date": end, "by": leader, "reason": rng.choice(CANCEL_REASONS)}

    if rng.random() < 0.15:
        item["circulation"] = _circulation(rng, ctx, assigned, end)
    _citizen(rng, item, cat, reply_by=reported if status in ("reported", "returned", "closed") else None)
    return item


def _extensions(rng, ctx: _Context, assigned: dt.date, end: dt.date, effective: dt.date, status: str) -> list:
    """Requested in the second half of the time allowed, before the work ends (the report, the close)."""
    out = []
    start = assigned
    for _ in range(1 if rng.random() < 0.75 else 2):
        earliest = max(start, assigned + (effective - assigned) // 2)
        latest = min(end, effective)
        if earliest > latest:
            break
        requested = _between(rng, earliest, latest)
        entry = {"requested": requested, "reason": rng.choice(EXTENSION_REASONS)}
        decided = requested + dt.timedelta(days=rng.randint(0, 5))
        if decided > end:  # not decided by the end of the work: still pending when the item is in progress
            decided = None if status == "in_progress" else end
        if decided is None or (status in ("in_progress", "returned") and rng.random() < 0.1):
            out.append(entry)  # pending: the unit waits for the leader
            break
        entry["approved_by"] = rng.choice(ctx.leaders)
        if rng.random() < 0.2:
            entry["rejected"] = decided
        else:
            entry["approved"] = decided
            new = effective + dt.timedelta(days=rng.randint(15, 60))
            entry["new_deadline"] = new
            effective = ctx.cal.next_workday(new)
        out.append(entry)
        start = decided
    return out


def _circulation(rng, ctx: _Context, assigned: dt.date, end: dt.date) -> list:
    out = []
    for day in _sorted_dates(rng, rng.randint(1, 2), assigned, end):
        kind = rng.choices(("normal", "urgent", "confidential", "confidential_important"), (70, 15, 10, 5))[0]
        sent = dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.choice((0, 10, 20, 30, 40, 50))))
        limit = ctx.rules.reading_limits[kind]
        hours = limit * (rng.uniform(0.1, 0.9) if rng.random() < 0.9 else rng.uniform(1.1, 2.0))
        returned = (sent + dt.timedelta(minutes=int(hours * 60) // 10 * 10))
        entry = {"leader": rng.choice(ctx.leaders), "sent": sent}
        if returned.date() <= ctx.as_of:
            entry["returned"] = returned
        entry["kind"] = kind
        entry["document"] = f"《{rng.choice(DOCUMENTS)}》"
        out.append(entry)
    return out


def _citizen(rng, item: dict, cat, reply_by: dt.date | None = None) -> None:
    if not cat.mailbox:
        return
    item["citizen"] = {
        "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
        "phone": f"1{rng.choice((3, 5, 8))}{rng.randint(0, 999999999):09d}",
    }
    if reply_by is not None:
        item["reply"] = {
            "date": reply_by,
            "method": rng.choice(("phone", "letter", "online")),
            "text": "已将办理情况告知来信人，并提供承办单位联系电话，来信人表示满意。",
        }


def _source(rng, category: str, assigned: dt.date, leader: str, rules: Rules) -> str:
    y, n = assigned.year, rng.randint(1, 60)
    return {
        "meeting_decision": f"市政府第{n}次常务会议纪要",
        "office_meeting": f"市长办公会议纪要（江府阅〔{y}〕{n}号）",
        "leader_instruction": f"{rules.leader_name(leader)}在《{rng.choice(DOCS)}》上的批示",
        "work_report_target": f"{y}年市政府工作报告",
        "superior_assignment": f"省政府办公厅《关于做好有关工作的通知》（省府办〔{y}〕{n}号）",
        "npc_proposal": f"市十七届人大{rng.randint(1, 5)}次会议第{n}号建议",
        "cppcc_proposal": f"市政协十四届{rng.randint(1, 5)}次会议第{n}号提案",
        "mayor_mailbox": f"市长信箱来信（编号 {y}-{rng.randint(1, 99999):05d}）",
        "media_report": f"《江州日报》{assigned.month}月{assigned.day}日报道",
    }.get(category, f"江府督办〔{y}〕{n}号")


def _staff(rng, rules: Rules) -> str:
    return rng.choice([s["name"] for s in rules.staff]) if rules.staff else "督查员"


def generate_items(n: int, seed: int = 0, as_of: dt.date = DEFAULT_AS_OF, rules: Rules | None = None) -> list[dict]:
    """``n`` item dicts (dates as ``date``/``datetime``), valid as of ``as_of``, the same for the same seed.

    Items are spread over the years up to ``as_of`` (at most ``ITEMS_PER_YEAR`` a year), numbered in
    order of assignment within each year.
    """
    rules = rules or load_rules()
    ctx = _Context(rules, as_of)
    rng = random.Random(seed)
    years = max(1, -(-n // ITEMS_PER_YEAR))
    out: list[dict] = []
    for k, year in enumerate(range(as_of.year - years + 1, as_of.year + 1)):
        count = n // years + (1 if k < n % years else 0)
        first, last = dt.date(year, 1, 1), min(dt.date(year, 12, 31), as_of)
        days = sorted(_working_day_on_or_before(ctx.cal, _between(rng, first, last), first) for _ in range(count))
        for seq, day in enumerate(days, 1):
            out.append(_one_item(rng, ctx, f"DC-{year}-{seq:04d}", day))
    return out


# -- rendering and writing -------------------------------------------------------------------------


def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if text and _PLAIN.match(text) and not _NOT_PLAIN.search(text) and text.lower() not in _RESERVED:
        return text
    return json.dumps(text, ensure_ascii=False)


def _emit(out: list[str], key: str, value, indent: str) -> None:
    if isinstance(value, dict):
        out.append(f"{indent}{key}:")
        for k, v in value.items():
            _emit(out, k, v, indent + "  ")
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        out.append(f"{indent}{key}:")
        for entry in value:
            prefix = indent + "  - "
            for k, v in entry.items():
                _emit(out, k, v, prefix)
                prefix = indent + "    "
            if not entry:
                out.append(indent + "  - {}")
    elif isinstance(value, list):
        out.append(f"{indent}{key}: [{', '.join(_scalar(v) for v in value)}]")
    elif isinstance(value, str) and "\n" in value and not value.endswith("\n\n") and value[0] not in " \n":
        body_indent = " " * (len(indent) + 2)
        out.append(f"{indent}{key}: {'|' if value.endswith(chr(10)) else '|-'}")
        out.extend(body_indent + line for line in value.rstrip("\n").split("\n"))
    else:
        out.append(f"{indent}{key}: {_scalar(value)}")


def render_item(item: dict) -> str:
    """The item's YAML text, fields in the contract's order, first line the editor schema comment."""
    out = [SCHEMA_LINE]
    for key in ITEM_FIELDS_ORDER:
        if key in item:
            _emit(out, key, item[key], "")
    return "\n".join(out) + "\n"


def item_path(item_id: str) -> str:
    return f"items/{item_id.split('-')[1]}/{item_id}.yml"


def write_ledger(out_dir: Path, items: list[dict], rules_path: Path = RULES_PATH) -> Path:
    """Write a complete ledger folder; returns it.  Existing item files are overwritten."""
    out_dir = Path(out_dir)
    (out_dir / "items").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(rules_path, out_dir / "items" / "ledger.yml")
    if SCHEMA_PATH.is_file():
        shutil.copyfile(SCHEMA_PATH, out_dir / "items" / "item.schema.json")
    made: set[str] = set()
    for item in items:
        rel = item_path(item["id"])
        folder = rel.rsplit("/", 1)[0]
        if folder not in made:
            (out_dir / folder).mkdir(parents=True, exist_ok=True)
            made.add(folder)
        (out_dir / rel).write_text(render_item(item), encoding="utf-8")
    return out_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a synthetic, valid ducha ledger.")
    parser.add_argument("--items", type=int, required=True, help="number of items")
    parser.add_argument("--out", type=Path, required=True, help="ledger folder to write (created)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=DEFAULT_AS_OF, help="no date after this day (YYYY-MM-DD)")
    args = parser.parse_args(argv)
    items = generate_items(args.items, args.seed, args.as_of)
    write_ledger(args.out, items)
    print(f"wrote {len(items)} items to {args.out}/items (seed {args.seed}, as of {args.as_of})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
