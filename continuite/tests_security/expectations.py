"""Who may reach every URL of Continuité: the role model of the README, as the matrix tests it.

HOW TO ADD A URL (one line): add `"namespace:name": Expect(get=WHO, post=WHO),` below, in its
app's block, where WHO is one of the role groups defined here (or a set of roles):

    get=None / post=None   the view does not serve that method (405; anonymous: sent to login)
    get=NOBODY             the view serves it but refuses every role (403/404)
    public=True            anonymous visitors are a role like the others (no login redirect)
    login_for_all=True     every role is sent to the login page (a login flow's failure return)

The matrix (test_url_matrix.py) requests every URL pattern of the URLconf for every role, with
the objects of a world in scope and of a world out of scope (world.py), by GET and by POST with
an empty body (CSRF checks off), and checks each answer against this table:

    allowed   200, 302 (not to the login page), or 400 (the form's French errors: an empty body
              or query is bad input, refused without a change)
    refused   403, 404 (where the object is out of scope: ids cannot be probed) or 410 (a
              single-use link that no longer works)
    login     302 to the login page: anonymous visitors on an agent page
    405       the method is not served
    never     500, nor any other status

Out of scope ("out" world: another network, another département): a role in WHO is allowed only
if its scope is the whole country (national steering, administrator); URLs without an object
(lists, figures) answer the same in and out of scope; secret links (a `token` keyword) never
given are refused to everyone. `reach=` overrides that rule for one URL.

Django's admin (namespace "admin") is left out of the walk by one explicit rule, tested on its
own: superusers only, every other role sent to the admin's login page.
"""

from dataclasses import dataclass

from .world import ROLES

(
    ANONYMOUS,
    COUNTER_AGENT,
    SITE_MANAGER,
    NETWORK_MANAGER,
    PREFECTURE_STEERING,
    NATIONAL_STEERING,
    REGISTER_CALLER,
    ADMINISTRATOR,
) = ROLES

# Role groups (the README's role model, column by column).
NOBODY = frozenset()
EVERYONE = frozenset(ROLES)
AGENTS = EVERYONE - {ANONYMOUS}  # any logged-in agent (lists filtered by scope)
# A site's pages with people's names: its agents and managers, never steering teams. The
# register caller is a counter agent of the town hall who also calls.
SITE_STAFF = frozenset(
    {COUNTER_AGENT, SITE_MANAGER, NETWORK_MANAGER, REGISTER_CALLER, ADMINISTRATOR}
)
SITE_MANAGERS = frozenset({SITE_MANAGER, NETWORK_MANAGER, ADMINISTRATOR})
NETWORK_MANAGERS = frozenset({NETWORK_MANAGER, ADMINISTRATOR})
# Figures, never names: steering teams and network managers.
FIGURES = frozenset({NETWORK_MANAGER, PREFECTURE_STEERING, NATIONAL_STEERING, ADMINISTRATOR})
STEERING_TEAMS = frozenset({PREFECTURE_STEERING, NATIONAL_STEERING, ADMINISTRATOR})
NATIONAL = frozenset({NATIONAL_STEERING, ADMINISTRATOR})
# A commune's register: the agents of its town hall (a network manager reaches its network's
# registers, not a commune's social action centre's).
REGISTER_STAFF = frozenset({COUNTER_AGENT, SITE_MANAGER, REGISTER_CALLER, ADMINISTRATOR})
CAMPAIGN_MANAGERS = frozenset({SITE_MANAGER, NETWORK_MANAGER, ADMINISTRATOR})
COMMUNE_CAMPAIGN_MANAGERS = frozenset({SITE_MANAGER, ADMINISTRATOR})
CALLERS = frozenset({REGISTER_CALLER})  # a call is worked by callers only, not even superusers

# The roles whose scope is the whole country.
COUNTRY_WIDE = frozenset({NATIONAL_STEERING, ADMINISTRATOR})


@dataclass(frozen=True)
class Expect:
    """Who may GET and who may POST one URL (None: the method is not served)."""

    get: frozenset | None = None
    post: frozenset | None = None
    public: bool = False
    reach: str | None = None  # "everywhere", "scope" or "secret"; by default from its keywords
    login_for_all: bool = False  # a login flow's return: everyone is sent to the login page


EXPECTATIONS = {
    # service_points
    "service_points:search": Expect(get=EVERYONE, post=EVERYONE, public=True),
    "service_points:detail": Expect(get=EVERYONE, post=EVERYONE, public=True, reach="everywhere"),
    "service_points:manage_list": Expect(get=AGENTS, post=AGENTS),
    "service_points:manage_status": Expect(get=SITE_MANAGERS, post=SITE_MANAGERS),
    "service_points:manage_exception": Expect(post=SITE_MANAGERS),
    "service_points:presences": Expect(get=SITE_MANAGERS, post=SITE_MANAGERS),
    "service_points:presence_remove": Expect(post=SITE_MANAGERS),
    # service_points: managers invite and manage the agents of their sites
    "service_points:staff_overview": Expect(get=SITE_MANAGERS),
    "service_points:staff": Expect(get=SITE_MANAGERS, post=SITE_MANAGERS),
    "service_points:staff_role_remove": Expect(post=SITE_MANAGERS),
    "service_points:staff_role_change": Expect(post=SITE_MANAGERS),
    "service_points:staff_deactivate": Expect(post=SITE_MANAGERS),
    "service_points:network_staff": Expect(get=NETWORK_MANAGERS, post=NETWORK_MANAGERS),
    "service_points:network_staff_remove": Expect(post=NETWORK_MANAGERS),
    # accounts
    "accounts:login": Expect(get=EVERYONE, post=EVERYONE, public=True),
    "accounts:logout": Expect(post=EVERYONE, public=True),
    # the world's agents have no authenticator yet: refused (403), told to use their invitation
    "accounts:second_factor": Expect(get=NOBODY, post=NOBODY),
    # enrolment follows an invitation link only: any other agent is sent back (302) to the
    # second-factor page, which offers no enrolment
    "accounts:enrol": Expect(get=AGENTS, post=AGENTS),
    "accounts:invitation": Expect(get=EVERYONE, post=EVERYONE, public=True),
    "accounts:password_reset": Expect(get=EVERYONE, post=EVERYONE, public=True),
    "accounts:password_reset_done": Expect(get=EVERYONE, public=True),
    # a reset link never given: the page says the link does not work
    "accounts:password_reset_confirm": Expect(
        get=EVERYONE, post=EVERYONE, public=True, reach="everywhere"
    ),
    "accounts:password_reset_complete": Expect(get=EVERYONE, public=True),
    # ProConnect (mozilla-django-oidc): off in tests, so its pages only send back to the login
    "oidc_authentication_init": Expect(get=EVERYONE, public=True),
    "oidc_authentication_callback": Expect(get=EVERYONE, public=True, login_for_all=True),
    "oidc_logout": Expect(post=EVERYONE, public=True),
    # appointments: the public booking path
    "appointments:start": Expect(get=EVERYONE, post=EVERYONE, public=True),
    "appointments:slots": Expect(get=EVERYONE, public=True),
    "appointments:book": Expect(get=EVERYONE, post=EVERYONE, public=True, reach="everywhere"),
    "appointments:confirmation": Expect(get=EVERYONE, public=True),
    "appointments:lottery": Expect(get=EVERYONE, post=EVERYONE, public=True, reach="everywhere"),
    "appointments:lottery_entered": Expect(get=EVERYONE, public=True),
    "appointments:manage": Expect(get=EVERYONE, public=True),
    "appointments:ics": Expect(get=EVERYONE, public=True),
    "appointments:cancel": Expect(get=EVERYONE, post=EVERYONE, public=True),
    "appointments:move": Expect(post=EVERYONE, public=True),
    "appointments:callback_request": Expect(
        get=EVERYONE, post=EVERYONE, public=True, reach="everywhere"
    ),
    "appointments:callback_confirmation": Expect(get=EVERYONE, public=True),
    "appointments:contact": Expect(post=EVERYONE, public=True),
    "appointments:requested": Expect(get=EVERYONE, public=True),
    # the code step of a form kept in the visitor's own session: no other session reaches it
    "appointments:phone_code": Expect(get=NOBODY, post=NOBODY, public=True, reach="everywhere"),
    "appointments:phone_code_resend": Expect(post=NOBODY, public=True, reach="everywhere"),
    # high demand of a reason: its network's managers (whole network)
    "appointments:high_demand_list": Expect(get=NETWORK_MANAGERS),
    "appointments:high_demand": Expect(get=NETWORK_MANAGERS, post=NETWORK_MANAGERS),
    # appointments: a site's agenda, queue and call-backs
    "appointments:agenda": Expect(get=SITE_STAFF),
    "appointments:appointment_status": Expect(post=SITE_STAFF),
    "appointments:appointment_cancel": Expect(post=SITE_STAFF),
    "appointments:queue": Expect(get=SITE_STAFF, post=SITE_STAFF),
    "appointments:queue_ticket_close": Expect(post=SITE_STAFF),
    "appointments:callback_queue": Expect(get=SITE_STAFF),
    "appointments:callback_attempt": Expect(post=SITE_STAFF),
    "appointments:settings": Expect(get=SITE_MANAGERS, post=SITE_MANAGERS),
    "appointments:range_end": Expect(post=SITE_MANAGERS),
    # protocol
    "protocol:checklist": Expect(get=SITE_STAFF, post=SITE_MANAGERS),
    "protocol:compliance": Expect(get=FIGURES),
    "protocol:compliance_csv": Expect(get=FIGURES),
    "protocol:closures": Expect(get=SITE_STAFF),
    "protocol:incident_declare": Expect(post=SITE_MANAGERS),
    "protocol:closure_declare": Expect(post=SITE_MANAGERS),
    "protocol:closure_reopen": Expect(post=SITE_MANAGERS),
    "protocol:run_start": Expect(post=SITE_MANAGERS),
    "protocol:run": Expect(get=SITE_MANAGERS),
    "protocol:run_csv": Expect(get=SITE_MANAGERS),
    "protocol:rules": Expect(get=NETWORK_MANAGERS, post=NETWORK_MANAGERS),
    # cases
    "cases:queue": Expect(get=AGENTS),
    "cases:case": Expect(get=SITE_STAFF),
    "cases:clock_stop": Expect(post=SITE_STAFF),
    "cases:clock_resume": Expect(post=SITE_STAFF),
    "cases:status": Expect(post=SITE_STAFF),
    "cases:assign": Expect(post=SITE_STAFF),
    "cases:transfer": Expect(post=SITE_MANAGERS),
    "cases:point_cases": Expect(get=SITE_STAFF),
    "cases:case_create": Expect(post=SITE_STAFF),
    "cases:network_cases": Expect(get=NETWORK_MANAGERS),
    "cases:import": Expect(get=NETWORK_MANAGERS, post=NETWORK_MANAGERS),
    "cases:import_job": Expect(get=NETWORK_MANAGERS),
    "cases:procedures": Expect(get=NETWORK_MANAGERS, post=NETWORK_MANAGERS),
    "cases:procedure": Expect(get=NETWORK_MANAGERS, post=NETWORK_MANAGERS),
    # cases: steering
    "cases_steering:statistics": Expect(get=FIGURES),
    "cases_steering:statistics_csv": Expect(get=FIGURES),
    "cases_steering:forecast_index": Expect(get=FIGURES),
    "cases_steering:forecast": Expect(get=FIGURES),
    "cases_steering:forecast_transfer": Expect(post=NETWORK_MANAGERS),
    "cases_steering:suspensions": Expect(get=NATIONAL, post=NATIONAL),
    # outreach: registers
    "outreach:registers": Expect(get=AGENTS),
    # the reason of a consultation is sent by POST before any name is shown
    "outreach:register": Expect(get=REGISTER_STAFF, post=REGISTER_STAFF),
    "outreach:person_create": Expect(get=REGISTER_STAFF, post=REGISTER_STAFF),
    "outreach:person": Expect(get=REGISTER_STAFF, post=REGISTER_STAFF),
    "outreach:edit": Expect(get=REGISTER_STAFF, post=REGISTER_STAFF),
    "outreach:acknowledge": Expect(post=REGISTER_STAFF),
    "outreach:end": Expect(post=REGISTER_STAFF),
    "outreach:share": Expect(post=REGISTER_STAFF),
    "outreach:match_request": Expect(post=REGISTER_STAFF),
    # outreach: the register's controllers (the town hall's site managers)
    "outreach:audit_log": Expect(get=COMMUNE_CAMPAIGN_MANAGERS),
    "outreach:audit_log_csv": Expect(get=COMMUNE_CAMPAIGN_MANAGERS),
    "outreach:match_requests": Expect(get=COMMUNE_CAMPAIGN_MANAGERS),
    "outreach:match_request_reply": Expect(post=COMMUNE_CAMPAIGN_MANAGERS),
    # outreach: calls
    "outreach:calls": Expect(get=AGENTS),
    "outreach:call": Expect(get=CALLERS, post=CALLERS),
    "outreach:call_reserve": Expect(post=CALLERS),
    "outreach:call_release": Expect(post=CALLERS),
    "outreach:followup": Expect(get=CALLERS),
    "outreach:followup_appointment": Expect(post=CALLERS),
    "outreach:followup_case": Expect(post=CALLERS),
    # outreach: campaigns (steering teams are sent to the coverage of all campaigns)
    "outreach:campaigns": Expect(get=CAMPAIGN_MANAGERS | STEERING_TEAMS),
    "outreach:campaign_create": Expect(get=CAMPAIGN_MANAGERS, post=CAMPAIGN_MANAGERS),
    "outreach:campaign": Expect(get=COMMUNE_CAMPAIGN_MANAGERS),
    "outreach:campaign_activate": Expect(post=COMMUNE_CAMPAIGN_MANAGERS),
    "outreach:campaign_end": Expect(post=COMMUNE_CAMPAIGN_MANAGERS),
    "outreach:coverage": Expect(get=COMMUNE_CAMPAIGN_MANAGERS),
    "outreach:coverage_csv": Expect(get=COMMUNE_CAMPAIGN_MANAGERS),
    "outreach:coverage_unreached": Expect(get=COMMUNE_CAMPAIGN_MANAGERS),
    "outreach:coverage_steering": Expect(get=STEERING_TEAMS),
    "outreach:coverage_steering_csv": Expect(get=STEERING_TEAMS),
    # dashboard
    "dashboard:steering": Expect(get=FIGURES),
    "dashboard:steering_csv": Expect(get=FIGURES),
    # notifications: the SMS provider's signed receipts, refused without a signature
    "notifications:sms_receipt": Expect(post=NOBODY, public=True),
    # project
    "set_language": Expect(get=EVERYONE, post=EVERYONE, public=True),
    "health": Expect(get=EVERYONE, public=True),
}
