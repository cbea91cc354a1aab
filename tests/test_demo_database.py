"""The shared demo (tests/demo_database.py): every test that asks for it finds the demo as
seeded, whatever a test before it on the same worker wrote, rolled back or committed."""

import pytest

from vakwerk.models import Municipality

MARK = "Gemeente Schrijftest"


def _demo_as_seeded_then_write(name):
    assert set(Municipality.objects.values_list("name", flat=True)) == {
        "Demo Zwolle",
        "Demo Kampen",
    }, "another test's write is visible, or the demo is missing"
    Municipality.objects.create(name=f"{MARK} {name}", cbs_code=f"9{len(name):03d}")


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["een", "twee"])
def test_a_write_in_a_test_is_rolled_back(demo, name):
    _demo_as_seeded_then_write(name)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", ["drie", "vier"])
def test_a_committed_write_goes_with_the_tests_copy(demo, name):
    _demo_as_seeded_then_write(name)


def test_a_test_without_the_demo_sees_an_empty_database(db):
    assert not Municipality.objects.exists()
