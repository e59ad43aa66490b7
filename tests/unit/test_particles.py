"""Korean particles chosen by how the word before them is read (core/particles.py)."""

import pytest

from core import particles


@pytest.mark.parametrize(
    ("word", "marker", "joined"),
    [
        ("T-01", "은(는)", "T-01은"),
        ("P-07", "을(를)", "P-07을"),
        ("A-02", "은(는)", "A-02는"),
        ("A-10", "이(가)", "A-10이"),  # 십
        ("A-20", "을(를)", "A-20을"),
        ("100", "과(와)", "100과"),  # 백
        ("0", "이(가)", "0이"),  # 영
        ("9", "을(를)", "9를"),
        ("득표순 선정", "(으)로", "득표순 선정으로"),
        ("균등 배분 방식", "(으)로", "균등 배분 방식으로"),
        ("서울", "(으)로", "서울로"),  # ㄹ takes 로
        ("T-01", "(으)로", "T-01로"),  # 일
        ("부산", "(으)로", "부산으로"),
        ("서초구", "은(는)", "서초구는"),
        ("영등포구청", "이(가)", "영등포구청이"),
        ("PDF", "은(는)", "PDF는"),  # 에프
        ("HTML", "은(는)", "HTML은"),  # 엘
        ("BEAM", "을(를)", "BEAM을"),  # 엠
        ("5억 원", "이(가)", "5억 원이"),
        ("3,000원", "과(와)", "3,000원과"),
        ("‘놀이터’", "을(를)", "‘놀이터’를"),
        ("놀이터 (2층)", "이(가)", "놀이터 (2층)이"),
        ("", "은(는)", "는"),
        ("Greedy", "(으)로", "Greedy로"),
    ],
)
def test_the_particle_follows_the_sound_of_the_last_syllable(word, marker, joined):
    assert particles.attach(word, marker) == joined


def test_fill_resolves_pairs_after_placeholders_for_the_values_given():
    template = "%(rule)s(으)로 공표 · %(id)s은(는) 이미 쓰이고 · 역할 %(n)d을(를) 회수"
    filled = particles.fill(template, {"rule": "득표순 선정", "id": "T-01", "n": 2})
    assert filled == "%(rule)s으로 공표 · %(id)s은 이미 쓰이고 · 역할 %(n)d를 회수"
    assert filled % {"rule": "득표순 선정", "id": "T-01", "n": 2} == (
        "득표순 선정으로 공표 · T-01은 이미 쓰이고 · 역할 2를 회수"
    )


def test_fill_leaves_values_and_unknown_placeholders_alone():
    template = "%(title)s을(를) 골랐습니다 · %(other)s은(는)"
    filled = particles.fill(template, {"title": "공원(으)로 가는 길"})
    assert filled == "%(title)s을 골랐습니다 · %(other)s은(는)"
    assert filled % {"title": "공원(으)로 가는 길", "other": "x"} == (
        "공원(으)로 가는 길을 골랐습니다 · x은(는)"
    )
