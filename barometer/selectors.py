"""Page reads of the barometer's results: stored for a closed survey, live otherwise."""

from .models import Survey
from .results import survey_results, survey_results_from_data


def survey_results_for(survey):
    """A closed survey's stored results (1 query), else computed."""
    if survey.state == Survey.State.CLOSED and survey.figures:
        return survey_results_from_data(survey, survey.figures)
    return survey_results(survey)

