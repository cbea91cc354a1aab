"""The kinds of provision with their SRG codes as spec.PROVISION_KINDS had them when this
migration was written (frozen here: a migration must not change when the spec does)."""

from django.db import migrations

KINDS = [
    ('trajectory', '101', 'Re-integratietraject / trajectbegeleiding', False),
    ('coaching', '102', 'Coaching en begeleiding', False),
    ('jobcoaching', '030', 'Jobcoach/begeleiding op de werkplek', False),
    ('training', '201', 'Scholing / opleiding', False),
    ('work_experience', '029', 'Overige werkplekken (werkervaringsplaats, leerwerkplaats)', False),
    ('trial_placement', '023', 'Proefplaatsing t.b.v. loonwaardebepaling', False),
    ('social_activation', '401', 'Sociale activering', False),
    ('sheltered_work', '501', 'Beschut werk', False),
    ('workplace_adjustment', '031', 'Werkplekaanpassing', False),
    ('wage_subsidy', '701', 'Loonkostensubsidie (art. 10d Participatiewet)', True),
    ('wage_subsidy_other', '702', 'Loonkostensubsidie overig', True),
    ('other', '059', 'Overige faciliterende voorziening', False),
]


def seed(apps, schema_editor):
    ProvisionKind = apps.get_model("provisions", "ProvisionKind")
    for key, code, name, wage_subsidy in KINDS:
        ProvisionKind.objects.update_or_create(
            key=key, defaults={"srg_code": code, "name": name, "wage_subsidy": wage_subsidy}
        )


class Migration(migrations.Migration):
    dependencies = [("provisions", "0001_provisions_and_srg_deliveries")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
