from . import ledger_urls, savings_urls

app_name = "funding"
urlpatterns = [*ledger_urls.urlpatterns, *savings_urls.urlpatterns]
