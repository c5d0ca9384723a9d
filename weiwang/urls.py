from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path, re_path

from weiwang.accounts.views import LoginView
from weiwang.api import api
from weiwang.cases import open311, public_views, settings_views
from weiwang.cases import views as case_views
from weiwang.core import views as core_views
from weiwang.dashboards import views as dashboard_views
from weiwang.deliberation import project_views
from weiwang.deliberation import views as topic_views
from weiwang.emergency import public_views as emergency_public_views
from weiwang.emergency import views as emergency_views
from weiwang.interest_groups import views as group_views
from weiwang.notices import group_views as grid_group_views
from weiwang.notices import notice_views as notices
from weiwang.notices import views as notice_views
from weiwang.party import views as party_views
from weiwang.people import change_views, export_views, import_views
from weiwang.people import views as people_views
from weiwang.regions import views as region_views
from weiwang.surveys import task_views as survey_task_views
from weiwang.surveys import views as survey_views
from weiwang.visits import views as visit_views
from weiwang.volunteers import views as volunteer_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("regions/", region_views.region_index, name="region_index"),
    path("regions/<int:pk>/", region_views.region_detail, name="region_detail"),
    path("regions/<int:pk>/tags/", region_views.region_tags, name="region_tags"),
    path(
        "regions/<int:pk>/buildings/new/",
        region_views.building_assign,
        name="building_assign",
    ),
    path("buildings/<int:pk>/", region_views.building_detail, name="building_detail"),
    path("buildings/<int:pk>/move/", region_views.building_move, name="building_move"),
    path("units/<int:pk>/", region_views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/move/", region_views.unit_move, name="unit_move"),
    path("dwellings/<int:pk>/", region_views.dwelling_detail, name="dwelling_detail"),
    path("residents/", people_views.resident_search, name="resident_search"),
    path("residents/export.xlsx", people_views.resident_export, name="resident_export"),
    path("residents/<int:pk>/", people_views.resident_detail, name="resident_detail"),
    path("residents/<int:pk>/reveal/", people_views.resident_reveal, name="resident_reveal"),
    path(
        "residents/<int:pk>/change/<str:kind>/",
        change_views.resident_change,
        name="resident_change",
    ),
    path(
        "dwellings/<int:pk>/add/<str:kind>/",
        change_views.dwelling_add_resident,
        name="dwelling_add_resident",
    ),
    path("my-household/", people_views.my_household, name="my_household"),
    path("exports/", export_views.export_list, name="export_list"),
    path("exports/new/", export_views.export_new, name="export_new"),
    path("exports/<int:pk>/decide/", export_views.export_decide, name="export_decide"),
    path("exports/<int:pk>/download/", export_views.export_download, name="export_download"),
    path("imports/", import_views.import_new, name="import_new"),
    path("imports/<int:pk>/", import_views.import_detail, name="import_detail"),
    path("imports/<int:pk>/start/", import_views.import_start, name="import_start"),
    path("imports/<int:pk>/status.json", import_views.import_status, name="import_status"),
    path("imports/<int:pk>/report.xlsx", import_views.import_report, name="import_report"),
    path("tags/", people_views.tag_list, name="tag_list"),
    path("tags/<int:pk>/", people_views.tag_edit, name="tag_edit"),
    path("cases/", case_views.case_list, name="case_list"),
    path("cases/new/", case_views.case_new, name="case_new"),
    path("cases/todo/", case_views.case_todo, name="case_todo"),
    path("cases/supervision/", case_views.case_supervision, name="case_supervision"),
    path("cases/settings/", settings_views.settings_index, name="case_settings"),
    path("cases/settings/categories/new/", settings_views.category_edit, name="case_category_new"),
    path(
        "cases/settings/categories/<int:pk>/",
        settings_views.category_edit,
        name="case_category_edit",
    ),
    path("cases/settings/limits/<int:pk>/", settings_views.limit_edit, name="time_limit_edit"),
    path("cases/settings/calendar/<int:year>/", settings_views.calendar_year, name="calendar_year"),
    path(
        "cases/settings/calendar/<int:year>/act/",
        settings_views.calendar_year_act,
        name="calendar_year_act",
    ),
    path("cases/<int:pk>/", case_views.case_detail, name="case_detail"),
    path("cases/<int:pk>/act/", case_views.case_act, name="case_act"),
    path("cases/<int:pk>/rate/", case_views.case_rate, name="case_rate"),
    path("cases/<int:pk>/follow/", case_views.case_follow, name="case_follow"),
    path("cases/<int:pk>/photos/<int:photo>/", case_views.case_photo, name="case_photo"),
    path("report/<str:kind>/<int:pk>/", public_views.public_report, name="public_report"),
    path("track/", public_views.track, name="track"),
    path("buildings/<int:pk>/qr/", public_views.building_qr, name="building_qr"),
    path("estates/<int:pk>/qr/", public_views.estate_qr, name="estate_qr"),
    path("topics/", topic_views.topic_list, name="topic_list"),
    path("topics/new/", topic_views.topic_new, name="topic_new"),
    path("topics/<int:pk>/", topic_views.topic_detail, name="topic_detail"),
    path("topics/<int:pk>/review/", topic_views.topic_review, name="topic_review"),
    path("topics/<int:pk>/meetings/", topic_views.meeting_new, name="meeting_new"),
    path("topics/<int:pk>/votes/", topic_views.vote_new, name="vote_new"),
    path("meetings/<int:pk>/minutes/", topic_views.meeting_minutes, name="meeting_minutes"),
    path("topics/<int:pk>/tasks/", topic_views.task_new, name="task_new"),
    path("tasks/<int:pk>/done/", topic_views.task_finish, name="task_finish"),
    path("votes/<int:pk>/", topic_views.vote_detail, name="vote_detail"),
    path("votes/<int:pk>/ballot/", topic_views.vote_ballot, name="vote_ballot"),
    path("votes/<int:pk>/change/", topic_views.vote_change, name="vote_change"),
    path("votes/<int:pk>/paper/", topic_views.vote_paper, name="vote_paper"),
    path("votes/<int:pk>/state/", topic_views.vote_state, name="vote_state"),
    path("projects/", project_views.fund_list, name="fund_list"),
    path("funds/new/", project_views.fund_new, name="fund_new"),
    path("funds/<int:pk>/", project_views.fund_detail, name="fund_detail"),
    path("funds/<int:pk>/act/", project_views.fund_act, name="fund_act"),
    path("funds/<int:pk>/propose/", project_views.project_new, name="project_new"),
    path("projects/<int:pk>/", project_views.project_detail, name="project_detail"),
    path("projects/<int:pk>/act/", project_views.project_act, name="project_act"),
    path("projects/<int:pk>/receipts/<int:entry>/", project_views.receipt, name="project_receipt"),
    path("visits/", visit_views.due_list, name="visit_due"),
    path("visits/new/<int:household>/", visit_views.visit_new, name="visit_new"),
    path("visits/upload/", visit_views.visit_upload, name="visit_upload"),
    path("visits/rules/", visit_views.rules, name="visit_rules"),
    path("visits/<int:pk>/", visit_views.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/case/", visit_views.visit_case, name="visit_case"),
    path("visits/<int:pk>/photos/<int:photo>/", visit_views.visit_photo, name="visit_photo"),
    path(
        "surveys/tasks/<int:pk>/photos/<int:photo>/",
        survey_views.task_photo,
        name="survey_task_photo",
    ),
    path("regions/<int:pk>/coverage/", visit_views.coverage, name="visit_coverage"),
    path("surveys/", survey_views.survey_index, name="survey_index"),
    path("surveys/forms/new/", survey_views.form_new, name="survey_form_new"),
    path("surveys/forms/<int:pk>/", survey_views.form_builder, name="survey_form"),
    path("surveys/forms/<int:pk>/copy/", survey_views.form_copy, name="survey_form_copy"),
    path(
        "surveys/forms/<int:pk>/questions/<int:question>/delete/",
        survey_views.question_delete,
        name="survey_question_delete",
    ),
    path("surveys/campaigns/new/", survey_views.campaign_new, name="survey_campaign_new"),
    path("surveys/campaigns/<int:pk>/", survey_views.campaign_detail, name="survey_campaign"),
    path(
        "surveys/campaigns/<int:pk>/close/",
        survey_views.campaign_close,
        name="survey_campaign_close",
    ),
    path(
        "surveys/campaigns/<int:pk>/export.xlsx", survey_views.campaign_export, name="survey_export"
    ),
    path(
        "surveys/campaigns/<int:pk>/answers/", survey_views.campaign_answers, name="survey_answers"
    ),
    path("surveys/tasks/", survey_task_views.task_list, name="survey_tasks"),
    path("surveys/tasks/<int:pk>/", survey_task_views.task_fill, name="survey_task"),
    path("surveys/tasks/<int:pk>/confirm/", survey_views.task_confirm, name="survey_task_confirm"),
    path("surveys/upload/", survey_task_views.task_upload, name="survey_upload"),
    path("s/<str:token>/", survey_task_views.public_fill, name="survey_public"),
    path("s/<str:token>/help/", emergency_public_views.public_help, name="emergency_public_help"),
    path("volunteers/", volunteer_views.activity_list, name="activity_list"),
    path("volunteers/new/", volunteer_views.activity_new, name="activity_new"),
    path("volunteers/<int:pk>/", volunteer_views.activity_detail, name="activity_detail"),
    path("volunteers/shifts/<int:pk>/signup/", volunteer_views.shift_signup, name="shift_signup"),
    path(
        "volunteers/signups/<int:pk>/cancel/", volunteer_views.signup_cancel, name="signup_cancel"
    ),
    path(
        "volunteers/signups/<int:pk>/correct/", volunteer_views.hours_correct, name="hours_correct"
    ),
    path("volunteers/me/", volunteer_views.my_points, name="volunteer_me"),
    path("volunteers/me/certificate/", volunteer_views.certificate, name="volunteer_certificate"),
    path("volunteers/rewards/", volunteer_views.rewards, name="volunteer_rewards"),
    path("volunteers/rules/", volunteer_views.point_rules, name="point_rules"),
    path(
        "volunteers/rewards/<int:pk>/redeem/", volunteer_views.reward_redeem, name="reward_redeem"
    ),
    path("volunteers/scan/<str:token>/", volunteer_views.volunteer_scan, name="volunteer_scan"),
    path("v/<str:token>/", volunteer_views.activity_checkin, name="activity_checkin"),
    path("groups/", group_views.group_list, name="group_list"),
    path("groups/new/", group_views.group_new, name="group_new"),
    path("groups/<int:pk>/", group_views.group_detail, name="group_detail"),
    path("groups/<int:pk>/join/", group_views.group_join, name="group_join"),
    path("groups/<int:pk>/leave/", group_views.group_leave, name="group_leave"),
    path(
        "groups/memberships/<int:pk>/decide/",
        group_views.membership_decide,
        name="membership_decide",
    ),
    path("venues/", group_views.venue_list, name="venue_list"),
    path("venues/<int:pk>/", group_views.venue_detail, name="venue_detail"),
    path("venues/bookings/<int:pk>/decide/", group_views.booking_decide, name="booking_decide"),
    path("venues/bookings/<int:pk>/cancel/", group_views.booking_cancel, name="booking_cancel"),
    path("dashboard/", dashboard_views.dashboard_home, name="dashboard_home"),
    path("dashboard/<int:pk>/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/<int:pk>/boundaries/", dashboard_views.boundaries, name="boundaries"),
    path("dashboard/<int:pk>/boundary/", dashboard_views.boundary_save, name="boundary_save"),
    path("dashboard/<int:pk>/reports/", dashboard_views.report_list, name="report_list"),
    path("reports/<int:pk>/<str:kind>/", dashboard_views.report_file, name="report_file"),
    path("notices/", notices.notice_list, name="notice_list"),
    path("notices/new/", notices.notice_edit, name="notice_new"),
    path("notices/<int:pk>/", notices.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/edit/", notices.notice_edit, name="notice_edit"),
    path("notices/<int:pk>/submit/", notices.notice_submit, name="notice_submit"),
    path("notices/<int:pk>/review/", notices.notice_review, name="notice_review"),
    path("notices/<int:pk>/files/<int:file>/", notices.notice_file, name="notice_file"),
    path("notices/rules/", notices.review_rules, name="notice_review_rules"),
    path("notices/groups/", grid_group_views.group_list, name="grid_groups"),
    path("notices/groups/new/", grid_group_views.group_edit, name="grid_group_new"),
    path("notices/groups/<int:pk>/", grid_group_views.group_edit, name="grid_group"),
    path(
        "notices/groups/<int:pk>/case/",
        grid_group_views.group_request_to_case,
        name="grid_group_case",
    ),
    path("party/", party_views.party_home, name="party_home"),
    path("party/members/", party_views.member_list, name="party_members"),
    path("party/members/new/", party_views.member_new, name="party_member_new"),
    path("party/members/<int:pk>/act/", party_views.member_act, name="party_member_act"),
    path("party/members/<int:pk>/central/", party_views.central_household, name="party_central"),
    path("party/units/", party_views.unit_list, name="party_units"),
    path("party/units/<int:pk>/record/", party_views.unit_record, name="party_unit_record"),
    path("party/records/", party_views.records, name="party_records"),
    path("party/needs/new/", party_views.need_new, name="need_new"),
    path("party/needs/<int:pk>/", party_views.need_detail, name="need_detail"),
    path("party/needs/<int:pk>/move/", party_views.need_move, name="need_move"),
    path("emergency/", emergency_views.emergency_list, name="emergency_list"),
    path("emergency/start/", emergency_views.emergency_start, name="emergency_start"),
    path("emergency/<int:pk>/", emergency_views.emergency_detail, name="emergency_detail"),
    path("emergency/<int:pk>/end/", emergency_views.emergency_end, name="emergency_end"),
    path("emergency/<int:pk>/duty/", emergency_views.duty_confirm, name="emergency_duty"),
    path("emergency/help/new/<int:task>/", emergency_views.help_new, name="emergency_help_new"),
    path("emergency/help/<int:pk>/move/", emergency_views.help_move, name="emergency_help_move"),
    path("inbox/", notice_views.inbox, name="inbox"),
    path("inbox/read/", notice_views.mark_read, name="notifications_read"),
    path("open311/v2/", open311.root, name="open311_root"),
    re_path(r"^open311/v2/discovery\.(?P<fmt>json|xml)$", open311.discovery),
    re_path(r"^open311/v2/services\.(?P<fmt>json|xml)$", open311.service_list),
    re_path(
        r"^open311/v2/services/(?P<code>[-\w]+)\.(?P<fmt>json|xml)$", open311.service_definition
    ),
    re_path(r"^open311/v2/requests\.(?P<fmt>json|xml)$", open311.requests),
    re_path(
        r"^open311/v2/requests/(?P<request_id>\w+)\.(?P<fmt>json|xml)$", open311.request_detail
    ),
    re_path(r"^open311/v2/tokens/(?P<token>\w+)\.(?P<fmt>json|xml)$", open311.token_detail),
    path("api/v1/", api.urls),
]
