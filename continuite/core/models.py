"""Territory: regions, départements and communes with their postcodes and centroids."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import territory
from .text import normalize_name


class Weekday(models.IntegerChoices):
    """Days of the week as Python numbers them (Monday is 0); own translation context, so
    Django's lowercase day names in formatted dates stay untouched."""

    MONDAY = 0, pgettext_lazy("weekday", "Monday")
    TUESDAY = 1, pgettext_lazy("weekday", "Tuesday")
    WEDNESDAY = 2, pgettext_lazy("weekday", "Wednesday")
    THURSDAY = 3, pgettext_lazy("weekday", "Thursday")
    FRIDAY = 4, pgettext_lazy("weekday", "Friday")
    SATURDAY = 5, pgettext_lazy("weekday", "Saturday")
    SUNDAY = 6, pgettext_lazy("weekday", "Sunday")


class Zone(models.TextChoices):
    METRO = "metro", _("Metropolitan France")
    DROM = "drom", _("Overseas département or region")
    COM = "com", _("Overseas collectivity")


class Region(models.Model):
    """A region (INSEE code)."""

    code = models.CharField(_("code"), max_length=3, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    zone = models.CharField(_("zone"), max_length=5, choices=Zone.choices)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self):
        return self.name


class Departement(models.Model):
    """A département or overseas collectivity, with its time zone and public-holiday calendar."""

    code = models.CharField(_("code"), max_length=3, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True)
    zone = models.CharField(_("zone"), max_length=5, choices=Zone.choices)

    class Meta:
        ordering = ["code"]
        verbose_name = _("département")
        verbose_name_plural = _("départements")

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def time_zone(self):
        return territory.time_zone(self.code)


class CommuneQuerySet(models.QuerySet):
    def matching_name(self, text: str):
        """Communes whose name matches, ignoring case, accents, hyphens and "St"/"Saint"."""
        return self.filter(search_name=normalize_name(text))

    def with_postcode(self, postcode: str):
        return self.filter(postcodes__code=postcode.strip()).distinct()


class Commune(models.Model):
    """A commune or a municipal arrondissement (Paris, Lyon, Marseille), with its centroid."""

    class Kind(models.TextChoices):
        COMMUNE = "COM", _("commune")
        ARRONDISSEMENT = "ARM", _("municipal arrondissement")

    code = models.CharField(_("INSEE code"), max_length=5, primary_key=True)
    kind = models.CharField(_("kind"), max_length=3, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    search_name = models.CharField(max_length=100, db_index=True, editable=False)
    departement = models.ForeignKey(Departement, on_delete=models.PROTECT, related_name="communes")
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    objects = CommuneQuerySet.as_manager()

    class Meta:
        ordering = ["name", "code"]
        verbose_name = _("commune")
        verbose_name_plural = _("communes")

    def __str__(self):
        return f"{self.name} ({self.departement_id})"

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class Postcode(models.Model):
    """A postcode served by a commune (a commune may have several, a postcode several communes)."""

    code = models.CharField(_("postcode"), max_length=5, db_index=True)
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="postcodes")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["code", "commune"], name="postcode_unique")]
        verbose_name = _("postcode")
        verbose_name_plural = _("postcodes")

    def __str__(self):
        return self.code
