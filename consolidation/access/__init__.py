"""Who may use the web app: users, roles, passwords (argon2) and server-side sessions.

Its public face:

* ``Role``, ``Action`` and ``Principal`` — what each role may do (deny by default), a
  signed-in user's ministry scope, and who may unmask personal data;
* ``UserService`` — users created, listed, disabled and reset (the CLI's ``users``), and
  signing in, rate-limited per client and locked out after repeated failures (audited);
* ``SessionService`` and ``SessionView`` — sessions kept in the store, ended at once by
  sign-out, a disabled user or an admin, idle and absolute expiry, CSRF tokens;
* errors ``AccessError`` and ``SigninRefused``.
"""

from consolidation.access.exceptions import AccessError, SigninRefused
from consolidation.access.roles import Action, Principal, Role
from consolidation.access.sessions import LANGUAGES, SessionService, SessionView
from consolidation.access.users import UserService, UserView

__all__ = [
    "LANGUAGES",
    "AccessError",
    "Action",
    "Principal",
    "Role",
    "SessionService",
    "SessionView",
    "SigninRefused",
    "UserService",
    "UserView",
]
