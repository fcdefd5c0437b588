"""Masking citizens' personal data in free text: what is hidden, what is kept, what is left alone."""

from __future__ import annotations

import pytest

from ducha.mask import mask_id_number, mask_name, mask_phone, mask_text


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
    ],
)
def test_other_numbers_are_left_alone(text):
    assert mask_text(text) == text


def test_private_names_and_fields():
    assert mask_text("张三反映：张三家门口路灯不亮", ("张三",)) == "张*反映：张*家门口路灯不亮"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_phone("１３９１２３４５６７８") == "139****5678"
    assert mask_id_number("110101199003071234") == "1101**********1234"
