"""Who may see and change assessment data: one function per rule.

Used by the status change form, the history and revert screens, the round actions, the
assessment screen and the services alike, so no path can apply a weaker rule.
"""

from networks.models import networks_of_user

from .models import AssessmentRound, MeasureStatus


def sees_all_networks(user):
    """Editors (group Toimitus) and superusers: every network's statuses."""
    return user.is_active and user.has_perm("programme.assess_all_networks")


def can_manage_rounds(user):
    """Opening, closing and reminding: editors and superusers only."""
    return sees_all_networks(user) and user.has_perm("programme.change_assessmentround")


def statuses_visible_to(user, queryset=None):
    """The status rows a user may see: all for editors, their own networks' for contacts."""
    queryset = MeasureStatus.objects.all() if queryset is None else queryset
    if sees_all_networks(user):
        return queryset
    if not user.has_perm("programme.view_measurestatus"):
        return queryset.none()
    return queryset.filter(network__in=networks_of_user(user))


def can_see_status(user, status):
    """One row (also an old version of a row, whose network may have been another)."""
    if sees_all_networks(user):
        return True
    return (
        user.has_perm("programme.view_measurestatus")
        and networks_of_user(user).filter(pk=status.network_id).exists()
    )


def can_edit_statuses(user, assessment_round, network):
    """Writing a network's statuses of a round: the round is open, and the user is an editor
    or a contact person of that network."""
    if not user.is_active or not assessment_round.is_open:
        return False
    if sees_all_networks(user):
        return True
    return (
        user.has_perm("programme.change_measurestatus")
        and networks_of_user(user).filter(pk=network.pk).exists()
    )


def can_revert_status(user, status):
    """Reverting to an old version: editors only (contact persons write statuses on the
    assessment screen), and only while the row's round is open."""
    return sees_all_networks(user) and can_edit_statuses(user, status.round, status.network)


def can_delete_status(user, status):
    """Deleting a row (not the assessment screen's "ei arvioitu"): editors, open rounds only."""
    return sees_all_networks(user) and can_edit_statuses(user, status.round, status.network)


def structure_fixed(programme):
    """Once one of a programme's rounds has closed, its scale (how many levels, their ranks)
    and its measures' codes and priorities stay as they were: a closed year's stored figures
    are counts by rank, and its pages and links go by code and priority. Labels, titles and
    descriptions stay correctable; new priorities and measures can be added."""
    return (
        programme is not None
        and AssessmentRound.objects.closed().filter(programme=programme).exists()
    )
