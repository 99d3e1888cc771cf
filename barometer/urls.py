from django.urls import path

from . import views

app_name = "barometer"

urlpatterns = [
    path("barometri/", views.BarometerIndexView.as_view(), name="index"),
    path("barometri/<int:year>/", views.SurveyResultsView.as_view(), name="survey-results"),
    path("barometri/<int:year>/vastaa/", views.SurveyAnswerView.as_view(), name="survey-answer"),
    path("barometri/<int:year>/kiitos/", views.SurveyThanksView.as_view(), name="survey-thanks"),
    path("avoin-data/barometri.csv", views.open_data_csv, name="open-data-csv"),
    path("avoin-data/barometri-excel.csv", views.open_data_excel_csv, name="open-data-excel-csv"),
    path("avoin-data/barometri.json", views.open_data_json, name="open-data-json"),
]
