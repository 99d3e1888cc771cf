from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from .models import AnnualReview


class ReviewFeed(Feed):
    feed_type = Atom1Feed
    title = _("Varsinais-Suomen kumppanuusfoorumin vuosikatsaukset")
    subtitle = _("Kumppanuusvuosikatsaukset: maakuntaohjelman eteneminen ja kumppanuusbarometri.")
    link = reverse_lazy("review-list")

    def items(self):
        return AnnualReview.objects.published().order_by("-year")[:20]

    def item_title(self, review):
        return review.title

    def item_description(self, review):
        return review.lead

    def item_pubdate(self, review):
        return review.published_at
