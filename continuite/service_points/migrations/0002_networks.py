from django.db import migrations

from continuite.service_points.migrations._networks import create_networks


class Migration(migrations.Migration):
    dependencies = [("service_points", "0001_initial")]
    operations = [migrations.RunPython(create_networks, migrations.RunPython.noop)]
