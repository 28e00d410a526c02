"""Drop the old shared letter-template rows before templates become per agency (0003).

They were written in Django template syntax, rendered with model objects in reach (issue 7: a body could read
password hashes and other agencies' applicants), and cannot be attributed to one agency. The defaults now live
in code (letters/defaults.py); an agency re-creates its own version from them on the templates page.
Issued letters are untouched: their text and files were frozen when issued.
"""
from django.db import migrations


def drop(apps, schema_editor):
    apps.get_model("applications", "LetterTemplate").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("applications", "0001_initial")]
    operations = [migrations.RunPython(drop, migrations.RunPython.noop)]
