from django.urls import path

from . import views

app_name = "programme"

urlpatterns = [
    path("ohjelma/", views.ProgrammeView.as_view(), name="overview"),
    path("ohjelma/matriisi/", views.MatrixView.as_view(), name="matrix"),
    path(
        "ohjelma/toimenpiteet/<str:code>/", views.MeasureDetailView.as_view(), name="measure-detail"
    ),
    path("avoin-data/toimenpiteiden-tilat.csv", views.open_data_csv, name="open-data-csv"),
    path(
        "avoin-data/toimenpiteiden-tilat-excel.csv",
        views.open_data_excel_csv,
        name="open-data-excel-csv",
    ),
    path("avoin-data/toimenpiteiden-tilat.json", views.open_data_json, name="open-data-json"),
]
