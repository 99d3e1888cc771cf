"""The expected outcome of every admin URL and action for every role: data, kept beside
tests/security/test_permission_matrix.py. A URL kind or action with no entry here fails it.

Outcomes: "allow" (the view answers: 200, or a redirect that is not a refusal), "deny" (403,
404 or the admin's "no such object" redirect to the index, and nothing in the database
changes), "login" (redirect to the login page, nothing changes). A spec is an outcome, or a
dict by method ("GET"/"POST") or by target (a TARGETS name, "*" = any other) whose values are
specs again.

Contact person A is Matkailufoorumi's (matkailu); contact person B is Järjestöverkosto's
and Kulttuuri's (jarjestot, kulttuuri). The 2021 round is open, 2020 closed.
"""

# The objects forged requests are made against, per model (a queryset filter each).
TARGETS = {
    "programme.measurestatus": {
        "A_open": {"network__slug": "matkailu", "round__year": 2021},
        "B_open": {"network__slug": "jarjestot", "round__year": 2021},
        "A_closed": {"network__slug": "matkailu", "round__year": 2020},
    },
    "programme.assessmentround": {
        "open": {"year": 2021},
        "closed": {"year": 2020},
    },
    "feedback.idea": {
        "A": {"forwarded_to__slug": "matkailu"},
        "not_forwarded": {"forwarded_to__isnull": True},
    },
    "auth.user": {"contact_a": {"username": "yhteyshenkilo"}},
    "kumppanuus.annualreview": {"published": {"year": 2020}, "draft": {"year": 2021}},
    "networks.event": {
        "A": {"network__slug": "matkailu"},
        "B": {"network__slug": "kulttuuri"},
        "other": {"network__slug": "ymparisto"},
    },
    # rows with closed rounds' statuses behind them
    "networks.network": {"with_closed_statuses": {"slug": "matkailu"}},
    "programme.measure": {"with_closed_statuses": {"statuses__round__year": 2020}},
}

# Arguments of custom admin URLs, per target: {label: {kind: {target: kwargs(targets)}}}.
CUSTOM_ARGS = {
    "programme.measurestatus": {
        "assess": {
            "A_open": lambda t: {"round_id": t["A_open"].round_id, "network_slug": "matkailu"},
            "B_open": lambda t: {"round_id": t["B_open"].round_id, "network_slug": "jarjestot"},
            "A_closed": lambda t: {
                "round_id": t["A_closed"].round_id,
                "network_slug": "matkailu",
            },
        },
    },
    "barometer.survey": {
        "import": {"any": lambda t: {"survey_id": t["any"].pk}},
        "import_template": {"any": lambda t: {"survey_id": t["any"].pk}},
    },
}

LOGIN = "login"
ALLOW = "allow"
DENY = "deny"


def row(contact_a=DENY, contact_b=None, editor=ALLOW, superuser=ALLOW, anonymous=LOGIN):
    """One URL kind's outcome per role; contact B as contact A unless said."""
    return {
        "anonymous": anonymous,
        "contact_a": contact_a,
        "contact_b": contact_a if contact_b is None else contact_b,
        "editor": editor,
        "superuser": superuser,
    }


READ = {"GET": ALLOW, "POST": DENY}
EDITORS = row()  # editors and superusers only
SUPERUSERS = row(editor=DENY)
NOBODY = row(editor=DENY, superuser=DENY)
LOGGED_IN = row(ALLOW)

# The admin's own "<id>/" URL only redirects to "<id>/change/", which is checked itself.
REDIRECT = LOGGED_IN


def model(label, *, contacts=None, editor=ALLOW, superuser=ALLOW, extra=None, **kinds):
    """A ModelAdmin's standard URL kinds. `contacts`: None (no access) or "view" (read only);
    kinds given as keywords (e.g. add=NOBODY) replace the generated rows."""
    viewer = contacts == "view"
    rows = {
        "changelist": row(ALLOW if viewer else DENY, editor=editor, superuser=superuser),
        "add": row(editor=editor, superuser=superuser),
        "change": row(READ if viewer else DENY, editor=editor, superuser=superuser),
        "delete": row(editor=editor, superuser=superuser),
        "history": row(ALLOW if viewer else DENY, editor=editor, superuser=superuser),
        "redirect": REDIRECT,
        "action:delete_selected": row(editor=editor, superuser=superuser),
    }
    rows.update(kinds)
    return {(label, kind): spec for kind, spec in {**rows, **(extra or {})}.items()}


OWN_A = {"A_open": ALLOW, "*": DENY}
OWN_B = {"B_open": ALLOW, "*": DENY}
OPEN_ROUNDS = {"A_closed": DENY, "*": ALLOW}

EXPECTED = {
    # Django's and axes' own models: superusers only.
    **model("auth.group", editor=DENY),
    **model("auth.user", editor=DENY, extra={"password_change": SUPERUSERS}),
    **model(
        "axes.accessattempt",
        editor=DENY,
        add=NOBODY,
        extra={"action:cleanup_expired_attempts": SUPERUSERS},
    ),
    **model("axes.accesslog", editor=DENY, add=NOBODY),
    **model("axes.accessfailurelog", editor=DENY, add=NOBODY),
    # Editors' content.
    **model("networks.theme"),
    # A network or measure with closed rounds' statuses cannot be deleted: deleting them
    # would change published figures (programme.rules.can_delete_status).
    **model(
        "networks.network",
        contacts="view",
        delete=row(editor=READ, superuser=READ),
        extra={"action:invite_contacts": EDITORS},
    ),
    **model("networks.contactperson", extra={"action:invite": EDITORS}),
    # Contact persons add and edit their own networks' events (networks.admin: can_edit_event).
    **model(
        "networks.event",
        changelist=LOGGED_IN,
        add=LOGGED_IN,
        change=row({"A": ALLOW, "*": DENY}, {"B": ALLOW, "*": DENY}),
        delete=row({"A": ALLOW, "*": DENY}, {"B": ALLOW, "*": DENY}),
        history=row({"A": ALLOW, "*": DENY}, {"B": ALLOW, "*": DENY}),
        extra={"action:delete_selected": LOGGED_IN},
    ),
    # Deleting refused while rows depend on it (protected scale levels, closed rounds'
    # statuses, a review's round, a survey's statements): the page says why, nothing changes.
    **model("programme.programme", contacts="view", delete=row(editor=READ, superuser=READ)),
    **model("programme.measure", contacts="view", delete=row(editor=READ, superuser=READ)),
    **model("barometer.statement", delete=row(editor=READ, superuser=READ)),
    # The matrix's survey has published results: deleting it waits for an unpublish.
    **model(
        "barometer.survey",
        delete=row(editor=DENY, superuser=DENY),
        extra={
            "import": EDITORS,
            "import_template": EDITORS,  # a download: a POST reads it too, writes nothing
            **{
                f"action:{name}": EDITORS
                for name in [
                    "open_surveys",
                    "close_surveys",
                    "publish_results",
                    "unpublish_results",
                    "export_open_answers",
                ]
            },
        },
    ),
    # Responses are read only: only importing or the respondents write them; editors may
    # delete (e.g. stuffed ballots) until the results have been public. The matrix's response
    # is of a published survey: its answers are final.
    **model(
        "barometer.response",
        add=NOBODY,
        change=row(editor=READ, superuser=READ),
        delete=row(editor=DENY, superuser=DENY),
    ),
    # A published review is deleted, or reverted to an old version, only after an editor
    # unpublishes it (what the public saw).
    **model(
        "kumppanuus.annualreview",
        delete=row(
            editor={"published": DENY, "*": ALLOW}, superuser={"published": DENY, "*": ALLOW}
        ),
        extra={
            "simple_history": row(
                editor={"published": READ, "*": ALLOW}, superuser={"published": READ, "*": ALLOW}
            ),
            "action:publish": EDITORS,
            "action:unpublish": EDITORS,
        },
    ),
    # Rounds: contact persons read them; only editors open, close and remind (item 1).
    **model(
        "programme.assessmentround",
        contacts="view",
        delete=row(editor=READ, superuser=READ),
        extra={
            "action:open_rounds": EDITORS,
            "action:close_rounds": EDITORS,
            "action:send_reminders": EDITORS,
        },
    ),
    # Statuses: own networks' rows only, open rounds only for writing (item 2).
    **model(
        "programme.measurestatus",
        changelist=LOGGED_IN,  # rows filtered to their own networks (test_admin_holes.py)
        add=LOGGED_IN,
        change=row(
            {"A_open": ALLOW, "A_closed": READ, "*": DENY},
            OWN_B,
            editor={"GET": ALLOW, "POST": OPEN_ROUNDS},
            superuser={"GET": ALLOW, "POST": OPEN_ROUNDS},
        ),
        delete=row(editor=OPEN_ROUNDS, superuser=OPEN_ROUNDS),
        history=row({"A_open": ALLOW, "A_closed": ALLOW, "*": DENY}, OWN_B),
        extra={
            # revert: contact persons may look at their own rows' versions, never revert
            "simple_history": row(
                {"GET": {"A_open": ALLOW, "A_closed": ALLOW, "*": DENY}, "POST": DENY},
                {"GET": OWN_B, "POST": DENY},
                editor={"GET": ALLOW, "POST": OPEN_ROUNDS},
                superuser={"GET": ALLOW, "POST": OPEN_ROUNDS},
            ),
            "assess_index": LOGGED_IN,
            "assess": row(OWN_A, OWN_B, editor=OPEN_ROUNDS, superuser=OPEN_ROUNDS),
        },
    ),
    # Ideas: contact persons see those forwarded to their networks, without personal data.
    **model(
        "feedback.idea",
        changelist=LOGGED_IN,
        add=NOBODY,
        change=row({"A": ALLOW, "*": DENY}, DENY),
        history=row({"A": ALLOW, "*": DENY}, DENY),
        extra={
            "action:export_csv": LOGGED_IN,
            "action:forward_to_network": EDITORS,
            "action:erase_personal_data": EDITORS,
        },
    ),
    # The admin site's own URLs.
    ("site", "index"): LOGGED_IN,
    ("site", "login"): row(ALLOW, anonymous=ALLOW),
    ("site", "logout"): row(ALLOW, anonymous=ALLOW),  # only back to the index
    ("site", "password_change"): LOGGED_IN,
    ("site", "password_change_done"): row(READ, editor=READ, superuser=READ),
    ("site", "jsi18n"): row(READ, editor=READ, superuser=READ),
    ("site", "view_on_site"): LOGGED_IN,
    ("site", "catch_all"): row(DENY, editor=DENY, superuser=DENY),
    ("site", "app_list:auth"): SUPERUSERS,
    ("site", "app_list:axes"): SUPERUSERS,
    ("site", "app_list:barometer"): EDITORS,
    ("site", "app_list:kumppanuus"): EDITORS,
    ("site", "app_list:feedback"): LOGGED_IN,
    ("site", "app_list:networks"): LOGGED_IN,
    ("site", "app_list:programme"): LOGGED_IN,
    # Autocomplete answers GET only, for roles that may view the model searched.
    ("site", "autocomplete:barometer.question.statement"): row(editor=READ, superuser=READ),
    ("site", "autocomplete:networks.contactperson.user"): row(editor=DENY, superuser=READ),
}
