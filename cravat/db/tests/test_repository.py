"""The repository base: get, create, save, delete, list with filters, scoped to a project."""

import pytest

from cravat.db import Database, EntityNotFound, Repository

from .models import IMAGES, Base, Image


@pytest.fixture
def session(database_url):
    db = Database(database_url, metadata=Base.metadata)
    Base.metadata.create_all(db.engine)
    with db.transaction() as session:
        yield session
    db.stop()


def add(session, n, project="p1", **fields):
    return IMAGES.create(session, id=f"id-{n:02}", project_id=project, name=f"image-{n:02}", **fields)


def test_create_then_get_returns_the_saved_entity(session):
    add(session, 1)
    assert IMAGES.get(session, "id-01").name == "image-01"


def test_get_of_a_missing_entity_names_it(session):
    with pytest.raises(EntityNotFound, match="^Image nope could not be found.$"):
        IMAGES.get(session, "nope")


def test_another_projects_entity_is_not_found_rather_than_shown(session):
    add(session, 1, project="p1")
    assert IMAGES.get(session, "id-01", project_id="p1")
    with pytest.raises(EntityNotFound):
        IMAGES.get(session, "id-01", project_id="p2")


def test_find_binds_each_calls_values_into_one_statement_per_shape(session):
    add(session, 1, project="p1")
    add(session, 2, project="p2")
    # The same prepared statements serve every id and project, scoped or not, locking or not.
    assert IMAGES.find(session, "id-01").name == "image-01"
    assert IMAGES.find(session, "id-02").name == "image-02"
    assert IMAGES.find(session, "id-02", project_id="p2").name == "image-02"
    assert IMAGES.find(session, "id-02", project_id="p1") is None
    assert IMAGES.find(session, "id-01", project_id="p1", for_update=True).name == "image-01"
    assert IMAGES.find(session, "id-03") is None


def test_find_keeps_a_subclasss_own_query(session):
    class Visible(Repository):
        def query(self, *, filters=None, project_id=None):
            return super().query(filters=filters, project_id=project_id).where(Image.name != "hidden")

    visible = Visible(Image, label="Image")
    add(session, 1)
    IMAGES.create(session, id="id-09", project_id="p1", name="hidden")
    assert visible.find(session, "id-01", project_id="p1").name == "image-01"
    assert visible.find(session, "id-09") is None and visible.find(session, "id-09", project_id="p1") is None
    assert IMAGES.find(session, "id-09").name == "hidden"


def test_save_writes_changes_and_delete_removes(session):
    image = add(session, 1)
    image.status = "ERROR"
    IMAGES.save(session, image)
    assert IMAGES.list(session, filters={"status": "ERROR"})[0].id == "id-01"
    IMAGES.delete(session, "id-01")
    assert IMAGES.find(session, "id-01") is None
    with pytest.raises(EntityNotFound):
        IMAGES.delete(session, "id-01")


def test_list_filters_by_equality_and_membership_and_counts(session):
    for n in range(5):
        add(session, n, project="p1" if n < 3 else "p2", status="ACTIVE" if n % 2 else "PENDING")
    assert [i.id for i in IMAGES.list(session, project_id="p1")] == ["id-00", "id-01", "id-02"]
    assert [i.id for i in IMAGES.list(session, filters={"status": "PENDING"}, project_id="p1")] == ["id-00", "id-02"]
    assert [i.id for i in IMAGES.list(session, filters={"name": ["image-03", "image-04"]})] == ["id-03", "id-04"]
    assert IMAGES.list(session, limit=2, offset=1, order_by=[Image.name.desc()])[0].id == "id-03"
    assert IMAGES.count(session, project_id="p2") == 2


def test_filtering_on_a_column_the_model_lacks_names_it(session):
    with pytest.raises(KeyError, match="Image has no column 'colour'"):
        IMAGES.list(session, filters={"colour": "red"})
