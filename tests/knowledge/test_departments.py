"""Lead and participating departments in every written form the plans use."""

from __future__ import annotations

import pytest

from knowledge.departments import parse_departments


@pytest.mark.parametrize(
    ("text", "lead", "part"),
    [
        (
            "…底线。（牵头单位：市乡村振兴局；参与单位：市委组织部、市民政局）",
            ("市乡村振兴局",),
            ("市委组织部", "市民政局"),
        ),
        ("…负担。（责任单位：市民政局、市人社局、市残联）", ("市民政局", "市人社局", "市残联"), ()),
        ("…应用。(责任单位:省教育厅、省科技厅)", ("省教育厅", "省科技厅"), ()),
        (
            "…机制。(牵头单位:省乡村振兴局,参与单位:省委组织部、省民政厅)",
            ("省乡村振兴局",),
            ("省委组织部", "省民政厅"),
        ),
        ("…服务。（牵头部门：区残联；参与部门：区民政局，区财政局）", ("区残联",), ("区民政局", "区财政局")),
        ("…设施。(牵头部门:区住房和城乡建设局;参与部门:区残联)", ("区住房和城乡建设局",), ("区残联",)),
        ("（牵头单位：市民政局、市残联；参与单位：市财政局)", ("市民政局", "市残联"), ("市财政局",)),
        ("推进无障碍（APP）改造，不写单位。", (), ()),
    ],
)
def test_department_forms(text: str, lead: tuple[str, ...], part: tuple[str, ...]) -> None:
    assert parse_departments(text) == (lead, part)


def test_repeated_names_are_listed_once() -> None:
    text = "（牵头单位：市残联；参与单位：市民政局）…（牵头单位：市残联；参与单位：市民政局、市财政局）"
    assert parse_departments(text) == (("市残联",), ("市民政局", "市财政局"))
