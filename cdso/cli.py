"""`flask --app wsgi cdso …`: init, seed-demo, create-admin, sweep, worker, rebuild-topics."""
from __future__ import annotations

import secrets

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from cdso.extensions import db

cli = AppGroup("cdso", help="Quản trị nền tảng Cuộc thi Công dân số Hải Phòng.")


@cli.command("init")
def init_command() -> None:
    """Migrate the database, load the 114 units and the shipped question bank."""
    from cdso.models import Question
    from cdso.services.bank import rows as bank_import
    from cdso.services.units import catalogue as units

    from flask_migrate import upgrade
    upgrade(directory=current_app.extensions["migrate"].directory)
    added = units.load_units()
    click.echo(f"Đơn vị hành chính: {added} mới, {len(units.all_units())} tất cả.")
    if not db.session.scalar(select(Question.id).limit(1)):
        report = bank_import.parse_rows(bank_import.shipped_bank_rows(), create_topics=True)
        if report.errors:
            for row, reason in report.errors[:20]:
                click.echo(f"  dòng {row}: {reason}", err=True)
            raise click.ClickException("Ngân hàng câu hỏi kèm theo có lỗi; chưa nạp.")
        created = bank_import.import_questions(report)
        click.echo(f"Ngân hàng câu hỏi: đã nạp {len(created)} câu.")
    db.session.commit()


@cli.command("seed-demo")
@click.option("--participants", default=3000, show_default=True, help="Số thí sinh giả lập.")
@click.option("--if-empty", is_flag=True, help="Không làm gì nếu cuộc thi đã có thí sinh.")
def seed_demo_command(participants: int, if_empty: bool) -> None:
    """A demo contest (if none), organisations and synthetic participants."""
    from cdso.models import Registration
    from cdso.services import demo
    from cdso.services.contest.current import current_contest

    contest = current_contest() or demo.create_demo_contest()
    if if_empty and db.session.scalar(select(Registration.id).where(
            Registration.contest_id == contest.id).limit(1)):
        db.session.commit()
        click.echo("Dữ liệu mẫu đã có; bỏ qua.")
        return
    demo.ensure_demo_organisations()
    made = demo.seed_participants(contest, participants)
    import random

    from cdso.services.demo_answers import seed_answers
    seed_answers(contest, random.Random(2025))  # for the knowledge-gap pages
    db.session.commit()
    click.echo(f"Cuộc thi «{contest.name}»: đã thêm {made} thí sinh giả lập.")


@cli.command("create-admin")
@click.option("--login", default="admin", show_default=True)
@click.option("--password", default=None, help="Bỏ trống để tạo ngẫu nhiên.")
@click.option("--name", default="Quản trị Sở KH&CN", show_default=True)
def create_admin_command(login: str, password: str | None, name: str) -> None:
    """Create (or reset) a city administrator account and print its login."""
    from cdso.formatting import utcnow
    from cdso.models import Account, Role

    if password:
        from cdso.services.accounts.passwords import WeakPassword, check
        try:
            check(password, official=True)
        except WeakPassword as problem:
            raise click.UsageError(str(problem)) from None
    password = password or secrets.token_urlsafe(9)
    account = db.session.scalar(select(Account).where(Account.login == login))
    if account is None:
        account = Account(login=login, role=Role.ADMIN.value, full_name=name, created_at=utcnow(),
                          is_organiser=True)
        db.session.add(account)
    account.set_password(password)
    account.session_version = (account.session_version or 0) + 1
    account.must_change_password = False
    db.session.commit()
    click.echo(f"Tài khoản quản trị: {login} / mật khẩu: {password}")


@cli.command("sweep")
def sweep_command() -> None:
    """Finish every attempt whose deadline has passed, with the answers saved before it."""
    from cdso.services.quiz import attempts as quiz

    from cdso.formatting import utcnow
    from cdso.services.imports import pipeline

    finished = quiz.sweep_expired()
    dropped = pipeline.stale_previews(utcnow())
    db.session.commit()
    click.echo(f"Đã tự động nộp {finished} bài thi quá giờ; xoá {dropped} tệp xem trước "
               "quá hạn.")
    from cdso.services.contest.current import current_contest
    from cdso.services.integrity import overview

    from cdso.office.gaps import warm_city_page

    contest = current_contest()
    if contest is not None and warm_city_page(contest):  # the heat map of this minute
        db.session.rollback()
        click.echo("Đã vẽ sẵn bảng nhiệt kiến thức theo chủ đề.")
    if contest is not None and overview.warm(contest):  # the signals of these 10 minutes
        db.session.rollback()
        click.echo("Đã tính sẵn các tín hiệu kiểm tra số liệu.")


@cli.command("worker")
@click.option("--burst", is_flag=True, help="Chạy hết việc đang chờ rồi dừng.")
@click.option("--simple", is_flag=True, help="Chạy việc ngay trong tiến trình này (không fork).")
def worker_command(burst: bool, simple: bool) -> None:
    """Run background jobs (confirmed imports) from the Redis queue; start several, on
    several machines, for more throughput."""
    from rq import SimpleWorker, Worker

    from cdso.jobs import queue

    db.session.remove()
    db.engine.dispose()  # each job opens its own connections (a forked job must not share)
    worker_class = SimpleWorker if simple else Worker
    worker = worker_class([queue.queue()], connection=queue.connection())
    click.echo(f"Máy xử lý việc nền: hàng đợi «{queue.name()}» tại "
               f"{queue.redis_url(current_app.config)}")
    worker.work(burst=burst, logging_level="INFO")


@cli.command("rebuild-topics")
def rebuild_topics_command() -> None:
    """Recount the answers by topic and by question (after migration 0012, or to repair)."""
    from cdso.models import Contest
    from cdso.services.figures import topics

    for contest_id, name in db.session.execute(select(Contest.id, Contest.name)).all():
        topics.rebuild(contest_id)
        click.echo(f"Cuộc thi «{name}»: đã đếm lại câu trả lời theo chủ đề và theo câu hỏi.")
    db.session.commit()
