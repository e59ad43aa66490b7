"""Follow-up rules: dated status updates of funded items, the evaluation, photos."""

from datetime import date
from io import BytesIO
from types import SimpleNamespace

import pytest
from PIL import Image

from deliberation.rules import RuleError
from voting.followup import photos
from voting.followup import rules

TODAY = date(2027, 9, 1)


def code(check, *args) -> str | None:
    try:
        check(*args)
    except RuleError as error:
        return error.code
    return None


def update(**changes):
    values = dict(
        phase="published",
        funded=True,
        status="planned",
        reason="",
        note="",
        dated=TODAY,
        today=TODAY,
    )
    values.update(changes)
    return code(rules.check_update, *values.values())


def test_updates_are_for_funded_items_of_published_forums():
    assert update() is None
    assert update(phase="closed") == "not_published"
    assert update(funded=False) == "not_funded"


def test_a_change_or_a_cancellation_states_its_reason():
    for status in ("changed", "cancelled"):
        assert update(status=status) == "reason_required"
        assert update(status=status, reason="부지 변경") is None
    for status in ("planned", "in_progress", "completed"):
        assert update(status=status) is None
    assert update(status="done") == "unknown_status"


def test_updates_are_not_dated_in_the_future_and_stay_short():
    assert update(dated=date(2027, 9, 2)) == "future"
    assert update(note="가" * 2001) == "too_long"
    assert update(status="changed", reason="가" * 2001) == "too_long"


def test_the_latest_update_states_the_status_now():
    a = SimpleNamespace(id=1, dated=date(2027, 3, 1), status="planned")
    b = SimpleNamespace(id=3, dated=date(2027, 5, 1), status="in_progress")
    c = SimpleNamespace(id=2, dated=date(2027, 5, 1), status="completed")
    assert rules.latest([a, b, c]) is b  # same date: the last entered
    assert rules.latest([]) is None


def test_residents_score_only_completed_items_from_one_to_five():
    check = rules.check_evaluation
    assert code(check, "published", True, {1, 2}, {1: 5, 2: 1}) is None
    assert code(check, "closed", True, {1}, {1: 5}) == "not_published"
    assert code(check, "published", False, {1}, {1: 5}) == "not_resident"
    assert code(check, "published", True, set(), {1: 5}) == "nothing_completed"
    assert code(check, "published", True, {1}, {}) == "no_score"
    assert code(check, "published", True, {1}, {2: 5}) == "unknown_item"
    assert code(check, "published", True, {1}, {1: 6}) == "score_range"
    assert code(check, "published", True, {1}, {1: 0}) == "score_range"


def test_satisfaction_is_the_mean_to_one_decimal():
    assert rules.satisfaction([5, 4, 4]) == 4.3
    assert rules.satisfaction([]) is None


def image_bytes(kind: str, size=(3000, 2000), exif=False) -> bytes:
    out = BytesIO()
    image = Image.new("RGB", size, (200, 80, 40))
    extra = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCam"  # Make
        extra["exif"] = data
    image.save(out, kind, **extra)
    return out.getvalue()


def test_a_photo_is_shrunk_and_saved_again_without_its_metadata():
    stored = photos.reencode(image_bytes("JPEG", exif=True))
    with Image.open(BytesIO(stored)) as image:
        assert image.format == "JPEG" and max(image.size) == photos.MAX_SIDE
        assert not image.getexif()
    assert b"SecretCam" not in stored
    with Image.open(BytesIO(photos.reencode(image_bytes("PNG", (40, 30))))) as small:
        assert small.size == (40, 30)


@pytest.mark.parametrize("data", [b"not an image", b"GIF89a" + b"\0" * 20, b""])
def test_anything_but_an_image_is_refused(data):
    with pytest.raises(photos.BadPhoto) as refused:
        photos.reencode(data)
    assert refused.value.code == "not_image"


def test_a_huge_upload_is_refused_before_decoding():
    with pytest.raises(photos.BadPhoto) as refused:
        photos.reencode(b"\xff" * (photos.MAX_BYTES + 1))
    assert refused.value.code == "too_large"
