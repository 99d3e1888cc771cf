"""Walks the admin site from its registries: every URL of every ModelAdmin (and of the site
itself) and every admin action, with the objects named in the matrix's TARGETS."""

import re
from dataclasses import dataclass, field

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from .permission_matrix_data import CUSTOM_ARGS, TARGETS

OBJECT_KINDS = {"change", "delete", "history", "redirect", "simple_history", "password_change"}
POST_DATA = {
    "delete": {"post": "yes"},
    "logout": {},
}


@dataclass
class Probe:
    label: str  # "app.model", or "site"
    kind: str  # changelist, add, change, …, "action:<name>", or a site URL name
    target: str  # the TARGETS key of the object used, "-" when none
    url: str
    data: dict = field(default_factory=dict)
    models: tuple = ()  # whose rows must not change when the request is refused
    action: str = ""

    @property
    def key(self):
        return (self.label, self.kind)


def _label(model):
    return model._meta.label_lower


def target_objects(model):
    """{target name: object} for a model; by default its first row as "any"."""
    specs = TARGETS.get(_label(model), {"any": {}})
    found = {}
    for name, filters in specs.items():
        obj = model._default_manager.filter(**filters).order_by("pk").first()
        assert obj is not None, (_label(model), name, "no such row in the demo data")
        found[name] = obj
    return found


def _kind(model, url_name):
    if url_name is None:
        return "redirect"
    prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
    assert url_name.startswith(prefix), url_name
    return url_name[len(prefix) :]


def _args(model, kind, obj):
    if kind == "simple_history":
        latest = obj.history.order_by("-history_id").first()
        return [obj.pk, latest.history_id]
    if kind in OBJECT_KINDS:
        return [obj.pk]
    return None


def model_probes():
    for model, model_admin in admin.site._registry.items():
        label = _label(model)
        targets = target_objects(model)
        for pattern in model_admin.get_urls():
            kind = _kind(model, pattern.name)
            if kind in CUSTOM_ARGS.get(label, {}):
                for target, kwargs in CUSTOM_ARGS[label][kind].items():
                    url = reverse(f"admin:{pattern.name}", kwargs=kwargs(targets))
                    yield Probe(label, kind, target, url, models=(model,))
                continue
            if pattern.pattern.converters or re.search(r"\(", str(pattern.pattern)):
                if kind not in OBJECT_KINDS:
                    # a custom URL with arguments and no CUSTOM_ARGS: the matrix must say
                    yield Probe(label, kind, "?", "", models=(model,))
                    continue
                for target, obj in targets.items():
                    if kind == "simple_history" and not obj.history.exists():
                        continue
                    args = _args(model, kind, obj)
                    if kind == "redirect":
                        url = reverse(f"admin:{label.replace('.', '_')}_changelist") + f"{obj.pk}/"
                    else:
                        url = reverse(f"admin:{pattern.name}", args=args)
                    yield Probe(label, kind, target, url, POST_DATA.get(kind, {}), (model,))
            else:
                yield Probe(label, kind, "-", reverse(f"admin:{pattern.name}"), models=(model,))
        for name in _all_actions(model_admin):
            changelist = reverse(f"admin:{label.replace('.', '_')}_changelist")
            data = {
                "action": name,
                "index": "0",
                ACTION_CHECKBOX_NAME: [str(obj.pk) for obj in targets.values()],
            }
            if name == "delete_selected":
                data["post"] = "yes"
            yield Probe(label, f"action:{name}", "*", changelist, data, (model,), action=name)


def _all_actions(model_admin):
    """Every action the class declares, whoever asks (get_actions filters per request)."""
    names = {"delete_selected"} if admin.site.actions else set()
    for action in model_admin.actions or []:
        names.add(action if isinstance(action, str) else action.__name__)
    return sorted(names)


def site_probes():
    for pattern in admin.site.get_urls():
        if hasattr(pattern, "url_patterns"):
            continue  # a model's URLs: walked above
        name = pattern.name or "catch_all"
        if name == "app_list":
            for app_label in sorted({m._meta.app_label for m in admin.site._registry}):
                url = reverse("admin:app_list", kwargs={"app_label": app_label})
                yield Probe("site", f"app_list:{app_label}", "-", url)
        elif name == "autocomplete":
            for app_label, model_name, field_name in sorted(autocomplete_fields_in_admin()):
                query = f"?app_label={app_label}&model_name={model_name}&field_name={field_name}"
                url = reverse("admin:autocomplete") + query
                kind = f"autocomplete:{app_label}.{model_name}.{field_name}"
                yield Probe("site", kind, "-", url)
        elif name == "view_on_site":
            from kumppanuus.models import AnnualReview

            review = AnnualReview.objects.order_by("pk").first()
            content_type = ContentType.objects.get_for_model(AnnualReview)
            url = reverse("admin:view_on_site", args=[content_type.pk, review.pk])
            yield Probe("site", name, "-", url)
        elif name == "catch_all":
            yield Probe("site", name, "-", reverse("admin:index") + "ei-ole-olemassa/")
        else:
            yield Probe("site", name, "-", reverse(f"admin:{name}"), POST_DATA.get(name, {}))


def autocomplete_fields_in_admin():
    """(app_label, model_name, field_name) of every autocomplete field, inlines included."""
    found = set()
    for model, model_admin in admin.site._registry.items():
        holders = [(model, model_admin)] + [
            (inline.model, inline) for inline in model_admin.inlines
        ]
        for holder_model, holder in holders:
            for field_name in holder.autocomplete_fields:
                found.add((holder_model._meta.app_label, holder_model._meta.model_name, field_name))
    return found
