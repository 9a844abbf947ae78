from django.urls import path

from . import views, views_blueprints, views_editor, views_exchange

app_name = "questions"
urlpatterns = [
    path("questions/", views.browse, name="browse"),
    path("questions/new/", views_editor.item_create, name="item_create"),
    path("questions/review/", views.review_queue, name="review_queue"),
    path("questions/topics/", views.topic_options, name="topic_options"),
    path("questions/xlsx-template/", views_exchange.xlsx_template, name="xlsx_template"),
    path("questions/<int:pk>/", views.item_detail, name="item"),
    path("questions/<int:pk>/edit/", views_editor.item_edit, name="item_edit"),
    path("questions/<int:pk>/v<int:number>/", views.item_version, name="item_version"),
    path(
        "questions/<int:pk>/v<int:number>/images/<str:name>",
        views.item_image,
        name="image",
    ),
    path("questions/<int:pk>/submit/", views.item_submit, name="item_submit"),
    path("questions/<int:pk>/review/", views.item_review, name="item_review"),
    path("questions/<int:pk>/share/", views.item_share, name="item_share"),
    path("questions/<int:pk>/retire/", views.item_retire, name="item_retire"),
    path("questions/banks/<str:code>/", views_exchange.bank_exchange, name="bank_exchange"),
    path(
        "questions/banks/<str:code>/export/<str:fmt>/",
        views_exchange.bank_export,
        name="bank_export",
    ),
    path("questions/blueprints/", views_blueprints.blueprint_list, name="blueprint_list"),
    path("questions/blueprints/new/", views_blueprints.blueprint_new, name="blueprint_new"),
    path(
        "questions/blueprints/new-2025/",
        views_blueprints.blueprint_create_2025,
        name="blueprint_2025",
    ),
    path("questions/blueprints/<int:pk>/", views_blueprints.blueprint_edit, name="blueprint_edit"),
    path(
        "questions/blueprints/<int:pk>/delete/",
        views_blueprints.blueprint_remove,
        name="blueprint_delete",
    ),
    path(
        "questions/blueprints/<int:pk>/generate/",
        views_blueprints.blueprint_generate,
        name="blueprint_generate",
    ),
    path(
        "questions/blueprints/<int:pk>/download/",
        views_blueprints.blueprint_download,
        name="blueprint_download",
    ),
]
