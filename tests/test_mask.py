"""Masking citizens' personal data in free text: what is hidden, what is kept, what is left alone."""

from __future__ import annotations

import pytest

from ducha import mask_text
from ducha.core.mask import contact_numbers, mask_id_number, mask_name, mask_phone, phone_digits


@pytest.mark.parametrize(
    "text, masked",
    [
        ("来信人电话13912345678，请回复", "来信人电话139****5678，请回复"),
        ("电话 139-1234-5678", "电话 139-****-5678"),
        ("电话 +86 139 1234 5678", "电话 +86 139 **** 5678"),
        # typed with a Chinese input method: full-width digits and separators
        ("电话１３９１２３４５６７８", "电话１３９****５６７８"),
        ("电话１３９－１２３４－５６７８", "电话１３９－****－５６７８"),
        ("座机 0571-87654321", "座机 0571-****4321"),
        ("身份证号110101199003071234", "身份证号1101**********1234"),
        ("身份证号11010119900307123X", "身份证号1101**********123X"),
        ("身份证号 110101 19900307 1234", "身份证号 1101** ******** 1234"),
        ("身份证号１１０１０１１９９００３０７１２３ｘ", "身份证号１１０１**********１２３ｘ"),
        # first-generation 15-digit ID: area, yymmdd, sequence
        ("旧身份证号110101900307123", "旧身份证号1101********123"),
        # landlines: full-width and ASCII brackets around the area code, a space, groups of four, 3-digit areas
        ("电话（0571）86012345", "电话（0571）****2345"),
        ("电话(0571)86023456", "电话(0571)****3456"),
        ("电话 (0571) 8602 3457", "电话 (0571) **** 3457"),
        ("电话0571 86034567", "电话0571 ****4567"),
        ("电话0571-8888-1234", "电话0571-****-1234"),
        ("电话 010-62345678", "电话 010-****5678"),
        ("电话 020 8765 4321", "电话 020 **** 4321"),
        ("电话 0571-8603456", "电话 0571-***3456"),  # a 7-digit local number
        ("电话 ０５７１－８６０１２３４５", "电话 ０５７１－****２３４５"),
        # mobiles split by no-break, thin and narrow no-break spaces, dots, en and em dashes, the full-width dot
        ("手机139\u00a01234\u00a05678", "手机139\u00a0****\u00a05678"),
        ("手机139\u20091234\u20095678", "手机139\u2009****\u20095678"),
        ("手机139\u202f1234\u202f5678", "手机139\u202f****\u202f5678"),
        ("手机139.1234.5678", "手机139.****.5678"),
        ("手机139．1234．5678", "手机139．****．5678"),
        ("手机139\u20131234\u20135678", "手机139\u2013****\u20135678"),
        ("手机139\u20141234\u20145678", "手机139\u2014****\u20145678"),
        ("手机139\u2014\u20141234\u2014\u20145678", "手机139\u2014\u2014****\u2014\u20145678"),
        ("手机139 - 1234 - 5678", "手机139 - **** - 5678"),
        ("手机（+86）13912345678", "手机（+86）139****5678"),
        ("手机 +86-139-1234-5678", "手机 +86-139-****-5678"),
        # an ID number over two lines of a YAML | block (the line break, and the next line's indentation)
        ("身份证号110101\n199003071234", "身份证号1101**\n********1234"),
        ("身份证号110101199003\n    071234。", "身份证号1101********\n    **1234。"),
        ("身份证号\u00a0110101\u00a019900307\u00a01234", "身份证号\u00a01101**\u00a0********\u00a01234"),
        ("手机1391234\n5678", "手机139****\n5678"),
        # bank cards, 16-19 digits: Luhn-valid in one run, or written in groups of four
        ("卡号6222021234567890128", "卡号6222***********0128"),
        ("卡号4111111111111111", "卡号4111********1111"),
        ("卡号 6222 0212 3456 7890 123", "卡号 6222 **** **** ***0 123"),
        ("卡号 6217\u00a00000\u00a01234\u00a05678", "卡号 6217\u00a0****\u00a0****\u00a05678"),
    ],
)
def test_personal_numbers_are_masked(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "江府督办〔2026〕12号",
        "2026年11月27日前报送",
        "投资 2026112712 万元",  # 10 digits: neither phone nor ID
        "项目编号 110101991307123",  # 15 digits whose month 13 is no birth date
        "DC-2026-0001",
        "DC-2026-0086",
        "江府督办〔2026〕86号",
        "2026-11-16",
        "2026.11.16",
        "2026年11月16日 10:30 至 11:30",
        "2026-11-16 至 2026-12-15",
        "DC-2026-0086 2026-11-16",
        "第 12 期，共 139 件",
        "截至2026年11月\n30日共 1234 件",
        "订单号 1234567890123456",  # 16 digits in one run, not Luhn-valid: no card
        "金额 2316.4 万元，2208.7 万元",
        "电话 010-12345678",  # no local number starts with 1
    ],
)
def test_other_numbers_are_left_alone(text):
    assert mask_text(text) == text


def test_private_names_and_fields():
    assert mask_text("张三反映：张三家门口路灯不亮", ("张三",)) == "张*反映：张*家门口路灯不亮"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_phone("１３９１２３４５６７８") == "139****5678"
    assert mask_id_number("110101199003071234") == "1101**********1234"


def test_published_phone_numbers_are_kept_citizens_are_not():
    keep = frozenset({phone_digits("0791-86123456"), phone_digits("+86 138 0000 1111")})
    text = "联系电话：0791-86123456，13800001111；来信人电话 0791-86654321、139 1234 5678"
    assert mask_text(text, keep=keep) == "联系电话：0791-86123456，13800001111；来信人电话 0791-****4321、139 **** 5678"
    assert mask_text("身份证号110101199003071234", keep=frozenset({"110101199003071234"})) == "身份证号1101**********1234"


def test_contact_numbers_come_from_contact_lines_only():
    body = "来信人王某（13912345678）反映……\n\n联系人：督查一科　周敏　联系电话：（0791）86123456、138\u00a00000\u00a01111\n"
    assert contact_numbers(body) == {"079186123456", "13800001111"}
    masked = mask_text(body, keep=contact_numbers(body))
    assert "（13912345678）" not in masked and "139****5678" in masked
    assert "（0791）86123456" in masked and "138\u00a00000\u00a01111" in masked


def test_units_office_lines_in_the_rules_are_kept_and_a_19_digit_card_is_masked():
    from pathlib import Path

    from ducha import parse_rules

    text = (Path(__file__).resolve().parents[1] / "items" / "ledger.yml").read_text(encoding="utf-8")
    assert 'phones: ["0791-86123456"]' in text  # the sample lists 市数据资源局's office line
    rules, findings = parse_rules(text.encode(), "items/ledger.yml")
    assert not [f for f in findings if f.code.startswith("R")]
    letter = "请致电市数据资源局 （0791）86123456 查询；补贴请打入银行卡 6222-0212-3456-7890-128 或 6222021234567890128。"
    assert mask_text(letter, keep=rules.public_phones) == (
        "请致电市数据资源局 （0791）86123456 查询；补贴请打入银行卡 6222-****-****-***0-128 或 6222***********0128。"
    )
    assert "0791-****3456" in mask_text("来信人电话 0791-86123456", keep=frozenset())  # not listed: masked
