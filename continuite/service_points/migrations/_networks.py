"""The networks every deployment starts with (used by migration 0002 and by tests)."""

NETWORKS = [
    ("france-services", "France Services", "France Services"),
    ("mairie", "Mairies", "Mairie"),
    ("caf", "Caisses d'allocations familiales", "CAF"),
    ("cpam", "Caisses primaires d'assurance maladie", "CPAM"),
    ("france-travail", "France Travail", "France Travail"),
    ("dgfip", "Finances publiques (DGFiP)", "Finances publiques"),
    ("prefecture", "Préfectures et sous-préfectures", "Préfecture"),
    ("la-poste", "La Poste", "La Poste"),
]


def create_networks(apps, schema_editor):
    Network = apps.get_model("service_points", "Network")
    for slug, name, short_name in NETWORKS:
        Network.objects.update_or_create(slug=slug, defaults={"name": name, "short_name": short_name})
