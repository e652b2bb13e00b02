"""Staff command line for the firm's intake data.

    python -m bot.backoffice.cli leads list              urgent first, then newest first
    python -m bot.backoffice.cli leads show ID           one lead with its case summary
    python -m bot.backoffice.cli leads export [FILE]     CSV (to FILE, or standard output)
    python -m bot.backoffice.cli leads delete ID
    python -m bot.backoffice.cli send-due                deliver pending notifications and due reminders
    python -m bot.backoffice.cli purge [--older-than-days N]   delete data older than the retention period
    python -m bot.backoffice.cli users add EMAIL --role attorney|staff   a dashboard account (asks for the password)
    python -m bot.backoffice.cli users list
    python -m bot.backoffice.cli users disable EMAIL    ends its sessions too
    python -m bot.backoffice.cli users set-name EMAIL [--name Ana] [--title Paralegal]   what applicants are told in a live chat
    python -m bot.backoffice.cli db-init                 as the owner: schema, one role per service (PostgreSQL)

DATABASE_URL chooses the database (default: var/intake.db), TRACKER_DATABASE_URL the
conversation transcripts (default: var/conversations.db). The retention period is the
firm's `retention_days` (firm.yml, FIRM_RETENTION_DAYS), the one the consent question
quotes to applicants.
"""

import argparse
import datetime as dt
import getpass
import logging
import os
import sys

from sqlalchemy.exc import SQLAlchemyError

from bot.backoffice import log_privacy
from bot.backoffice.accounts import MIN_PASSWORD_LENGTH, AccountError, Accounts
from bot.backoffice.db import database_url, make_engine, migrate
from bot.backoffice.db_roles import RoleSetupError, passwords_from_env, set_up_roles
from bot.backoffice.erasure import complete_pending_erasures
from bot.backoffice.intake import IntakeStore
from bot.backoffice.models import STAFF_ROLES
from bot.backoffice.notify import (
    MailConfigError,
    MailSettings,
    deliver_notifications,
    send_confirmations,
    send_due_reminders,
)
from bot.backoffice.transcripts import purge_transcripts, tracker_database_url, tracker_schema
from bot.rules import clock
from bot.rules.firm import load_firm


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be greater than 0")
    return value


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="python -m bot.backoffice.cli", description="Staff tools for the firm's intake data."
    )
    commands = main.add_subparsers(dest="command", required=True)
    leads = commands.add_parser("leads", help="list, show, export or delete leads")
    lead_commands = leads.add_subparsers(dest="action", required=True)
    lead_commands.add_parser("list", help="urgent first, then newest first")
    show = lead_commands.add_parser("show", help="one lead with its case summary")
    show.add_argument("id", type=positive_int)
    export = lead_commands.add_parser("export", help="all leads as CSV")
    export.add_argument("file", nargs="?", help="where to write (default: standard output)")
    remove = lead_commands.add_parser("delete", help="delete one lead")
    remove.add_argument("id", type=positive_int)
    commands.add_parser("send-due", help="deliver pending notifications and due reminders (safe to repeat)")
    purge = commands.add_parser(
        "purge",
        help="delete leads, reminders and transcripts older than the retention "
        "period (default: the firm's retention_days)",
    )
    purge.add_argument("--older-than-days", type=positive_int)
    users = commands.add_parser("users", help="accounts of the staff dashboard")
    user_commands = users.add_subparsers(dest="action", required=True)
    add = user_commands.add_parser(
        "add", help="a new account; asks for the password (or reads one line of standard input when not a terminal)"
    )
    add.add_argument("email")
    add.add_argument("--role", required=True, choices=STAFF_ROLES)
    user_commands.add_parser("list", help="every account with its role and state")
    disable = user_commands.add_parser("disable", help="disable an account and end its sessions")
    disable.add_argument("email")
    set_name = user_commands.add_parser(
        "set-name",
        help='the name and title applicants are told in a live chat ("" for the default: the email\'s '
        "first part and the dashboard role)",
    )
    set_name.add_argument("email")
    set_name.add_argument("--name", help="e.g. Ana")
    set_name.add_argument("--title", help="e.g. Paralegal")
    commands.add_parser(
        "db-init",
        help="run once per deployment as the databases' owner: brings the schema up to date and gives each "
        "service its own PostgreSQL role with only its tables (passwords from DB_PASSWORD_RASA, _ACTIONS, "
        "_JOBS, _STAFF)",
    )
    return main


def read_new_password() -> str:
    """Typed twice, unseen, at a terminal; one line of standard input otherwise (scripts)."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass(f"Password (at least {MIN_PASSWORD_LENGTH} characters): ")
    if getpass.getpass("The same password again: ") != password:
        raise AccountError("the two passwords differ")
    return password


def command_line_actor() -> str:
    """Who ran the command, for the audit log: the operating-system account."""
    try:
        return f"command line ({getpass.getuser()})"
    except (KeyError, OSError):  # no name for this user id (some containers)
        return f"command line (uid {os.getuid()})"


def run_users(args: argparse.Namespace, accounts: Accounts) -> int:
    actor = command_line_actor()
    if args.action == "add":
        accounts.add_user(args.email, args.role, read_new_password())
        accounts.record(actor, "added account", detail=f"{args.email.strip().lower()} ({args.role})")
        print(f"Added {args.role} account {args.email.strip().lower()}.")
    elif args.action == "list":
        users = accounts.users()
        if not users:
            print("No accounts.")
        for user in users:
            state = f"disabled {user.disabled_at:%Y-%m-%d}" if user.disabled_at else "active"
            named = ""  # shown only where set-name was used: the defaults follow from the email and role
            if user.display_name or user.role_title:
                named = f"  {user.shown_name} ({user.shown_title})"
            print(f"{user.email:<40} {user.role:<9} {state}{named}")
    elif args.action == "disable":
        if not accounts.disable(args.email):
            print(f"error: there is no account {args.email}", file=sys.stderr)
            return 1
        accounts.record(actor, "disabled account", detail=args.email.strip().lower())
        print(f"Disabled {args.email}; its sessions are ended.")
    elif args.action == "set-name":
        if args.name is None and args.title is None:
            print("error: give --name, --title or both", file=sys.stderr)
            return 2
        email = args.email.strip().lower()
        if not accounts.set_name(email, args.name, args.title):
            print(f"error: there is no account {args.email}", file=sys.stderr)
            return 1
        accounts.record(actor, "named account", detail=email)
        user = next(user for user in accounts.users() if user.email == email)
        print(f"In a live chat, applicants are told they talk with {user.shown_name} ({user.shown_title}).")
    return 0


def run_db_init() -> int:
    passwords = passwords_from_env()  # before touching the database: a missing one changes nothing
    firm, tracker = make_engine(database_url()), make_engine(tracker_database_url())
    migrate(firm)
    with firm.connect() as connection:
        firm_schema = connection.exec_driver_sql("SELECT current_schema()").scalar() or "public"
    with tracker.connect() as connection:
        default_schema = connection.exec_driver_sql("SELECT current_schema()").scalar() or "public"
    missing = set_up_roles(firm, tracker, passwords, firm_schema, tracker_schema() or default_schema)
    if missing:
        print(
            f"error: not found: {', '.join(missing)}; run python -m components.tracker_store first",
            file=sys.stderr,
        )
        return 2
    print("The schema is up to date and each service has its own role: visa_rasa, visa_actions, visa_jobs, visa_staff.")
    return 0


def run(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "db-init":
        return run_db_init()
    engine = make_engine(database_url())
    migrate(engine)
    store = IntakeStore(engine)
    if args.command == "users":
        return run_users(args, Accounts(engine))
    if args.command == "leads":
        # Every look at the leads is audited, as in the dashboard: ids and actions only.
        audit, actor = Accounts(engine), command_line_actor()
        if args.action == "list":
            leads = store.leads()
            audit.record(actor, "listed leads", detail=f"{len(leads)} shown")
            if not leads:
                print("No leads.")
            for lead in leads:
                flag = "URGENT" if lead.is_urgent else "      "
                deadline = lead.deadline.isoformat() if lead.deadline else "no deadline"
                print(
                    f"#{lead.id:<5} {flag} {lead.created_at:%Y-%m-%d %H:%M}  {lead.kind:<12} {deadline:<11} "
                    f"{lead.person_name or '(no name)'}"
                )
        elif args.action == "show":
            found = store.lead(args.id)
            if found is None:
                print(f"error: there is no lead #{args.id}", file=sys.stderr)
                return 1
            audit.record(actor, "viewed", found.id)
            print(found.summary)
        elif args.action == "export":
            store.record_export(actor, [lead.id for lead in store.leads()])
            text = store.export_csv()
            if args.file:
                with open(args.file, "w", newline="", encoding="utf-8") as handle:
                    handle.write(text)
                print(f"Wrote {text.count(chr(10)) - 1} leads to {args.file}")
            else:
                sys.stdout.write(text)
        elif args.action == "delete":
            if not store.delete_lead(args.id):
                print(f"error: there is no lead #{args.id}", file=sys.stderr)
                return 1
            audit.record(actor, "deleted", args.id)
            print(f"Deleted lead #{args.id}.")
    elif args.command == "send-due":
        firm = load_firm()
        settings = MailSettings.from_env(firm)
        erasures = complete_pending_erasures(store, make_engine(tracker_database_url()), tracker_schema())
        notifications = deliver_notifications(store, settings)
        confirmations = send_confirmations(store, settings, firm)
        reminders = send_due_reminders(store, settings, firm, clock.today())
        print(
            f"Erasures: {erasures['done']} completed, {erasures['failed']} to retry. "
            f"Notifications: {notifications['sent']} sent, {notifications['failed']} to retry. "
            f"Address confirmations: {confirmations['sent']} sent, {confirmations['failed']} to retry. "
            f"Reminders: {reminders['sent']} sent, {reminders['failed']} to retry."
        )
        failed = erasures["failed"] or notifications["failed"] or confirmations["failed"] or reminders["failed"]
        return 3 if failed else 0
    elif args.command == "purge":
        days = args.older_than_days or load_firm().retention_days
        removed = store.purge(dt.timedelta(days=days), clock.today())
        transcripts = purge_transcripts(make_engine(tracker_database_url()), dt.timedelta(days=days), tracker_schema())
        print(
            f"Deleted {removed['leads']} leads, {transcripts} conversation transcripts older than {days} days "
            f"and {removed['reminders']} reminders that were older, sent or past their deadline, "
            f"and {removed['handoffs']} ended live chats."
        )
    return 0


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    log_privacy.install()
    try:
        return run()
    except SQLAlchemyError as error:
        print(
            f"error: the database at DATABASE_URL is not reachable or not usable ({type(error).__name__})",
            file=sys.stderr,
        )
        return 2
    except (MailConfigError, AccountError, RoleSetupError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
