"""Page reads of the programme's figures: stored for a closed round, live for an open one."""

from .progress import round_figures, round_figures_from_data


def round_figures_for(assessment_round):
    """The round's RoundFigures: a closed round's stored figures (1 query), else computed."""
    if not assessment_round.is_open and assessment_round.figures:
        return round_figures_from_data(assessment_round, assessment_round.figures)
    return round_figures(assessment_round)


def round_headline_ranks(assessment_round):
    """{measure pk: headline rank or None} when the round has stored figures, else None."""
    if not assessment_round.is_open and assessment_round.figures:
        return {int(pk): rank for pk, rank in assessment_round.figures["headlines"].items()}
    return None
