"""An administrator grants a district team role on a phone: name, role and district in
words, the district chosen from the list."""

from playwright.sync_api import expect
from sqlalchemy import select

from auth.models import Role
from core.extensions import db
from tests import factories


def test_an_admin_grants_a_named_role_from_a_phone(
    app, live_server, page, sign_in, screenshot, fits_phone
):
    base = live_server.url
    factories.staff("demo-admin", "admin", issuer=app.config["OIDC_ISSUER"])
    page.goto(base + "/admin/roles")
    sign_in(page, "demo-admin")
    form = page.locator("#grant-form")
    form.locator("input[name=name]").fill("김담당")
    form.locator("input[name=subject]").fill("kim-official")
    form.locator("select[name=role]").select_option(label="구 담당 부서")
    form.locator("select[name=district]").select_option(label="영등포구")
    form.locator("button[type=submit]").click()
    row = page.locator("#roles li", has_text="김담당")
    expect(row).to_contain_text("구 담당 부서")
    expect(row).to_contain_text("영등포구")
    granted = db.session.execute(select(Role).filter_by(name="김담당")).scalar_one()
    assert granted.role == "district_team" and granted.district_code == "11560"
    fits_phone(page)
    screenshot(page, "admin-roles.png")
