"""Page reads of the barometer's results: stored for a closed survey, live otherwise."""

from .results import survey_results


def survey_results_for(survey):
    """A closed survey's stored results (1 query), else computed."""
    return survey_results(survey)
