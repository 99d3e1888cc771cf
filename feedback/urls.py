from django.urls import path

from . import views

app_name = "feedback"

urlpatterns = [
    path("kehittamisideat/", views.IdeaFormView.as_view(), name="idea-form"),
    path("kehittamisideat/kiitos/", views.IdeaThanksView.as_view(), name="idea-thanks"),
    path("kehittamisideat/koonti/", views.IdeaSummaryView.as_view(), name="idea-summary"),
]
