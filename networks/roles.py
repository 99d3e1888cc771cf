"""Who is an editor: the one rule every app checks (programme imports it; kumppanuus too)."""

EDITORS = "Toimitus"
# The admin group of contact persons (kumppanuus.roles gives it its permissions; invitations
# in networks.services put new accounts in it).
CONTACT_PERSONS = "Yhteyshenkilöt"


def is_editor(user):
    """An active staff member of the editors' group, or a superuser."""
    if user is None or not getattr(user, "is_active", False):
        return False
    if user.is_superuser:
        return True
    return user.is_staff and user.groups.filter(name=EDITORS).exists()
