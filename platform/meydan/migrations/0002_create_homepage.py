from django.db import migrations


def create_homepage(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Locale = apps.get_model("wagtailcore.Locale")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    HomePage = apps.get_model("meydan.HomePage")

    if HomePage.objects.exists():
        return
    # Wagtail's initial data adds a plain "Welcome" page at /home/; Meydan's home page replaces it.
    Page.objects.filter(content_type__app_label="wagtailcore", content_type__model="page", depth=2, slug="home").delete()
    content_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="meydan")
    locale = Locale.objects.order_by("pk").first()
    root = Page.objects.get(depth=1)
    path = root.path + "0001"
    while Page.objects.filter(path=path).exists():
        path = root.path + f"{int(path[-4:]) + 1:04d}"
    home = HomePage.objects.create(
        title="Meydan",
        draft_title="Meydan",
        slug="home",
        content_type=content_type,
        path=path,
        depth=2,
        numchild=0,
        url_path="/home/",
        locale=locale,
        intro="",
        body="",
        live=True,
    )
    root.numchild = Page.objects.filter(depth=2, path__startswith=root.path).count()
    root.save(update_fields=["numchild"])
    site = Site.objects.filter(is_default_site=True).first()
    if site:
        site.root_page = home
        site.save(update_fields=["root_page"])
    else:
        Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True, site_name="Meydan")


class Migration(migrations.Migration):
    dependencies = [
        ("meydan", "0001_initial"),
        ("wagtailcore", "0096_referenceindex_referenceindex_source_object_and_more"),
    ]

    operations = [migrations.RunPython(create_homepage, migrations.RunPython.noop)]
