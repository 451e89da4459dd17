"""Models, one file per aggregate. Import from here: `from cdso.models import Unit`."""
from cdso.models.account import Account, Registration, Role, Group, GROUP_LABELS, ROLE_LABELS
from cdso.models.attempt import Attempt, AttemptQuestion, AttemptStatus
from cdso.models.audit import AuditLog, ImportBatch
from cdso.models.bank import Choice, Question, QuestionStatus, Topic
from cdso.models.certificate import Certificate
from cdso.models.contest import Contest, Round, TopicQuota
from cdso.models.document import Document, DocumentTemplate
from cdso.models.figures import FigureBucket, FigureMinute
from cdso.models.import_job import ImportJob
from cdso.models.topics import ChoiceStat, ItemStat, TopicBucket, TopicMinute
from cdso.models.integrity import IntegrityReview
from cdso.models.ranking import RankingEntry, RankingRun
from cdso.models.unit import Organisation, Unit

__all__ = [
    "Account", "Registration", "Role", "Group", "GROUP_LABELS", "ROLE_LABELS",
    "Attempt", "AttemptQuestion", "AttemptStatus",
    "AuditLog", "ImportBatch",
    "Choice", "Question", "QuestionStatus", "Topic",
    "Certificate",
    "Contest", "Round", "TopicQuota",
    "Document", "DocumentTemplate",
    "FigureBucket", "FigureMinute",
    "ImportJob",
    "ChoiceStat", "ItemStat", "TopicBucket", "TopicMinute",
    "IntegrityReview",
    "RankingEntry", "RankingRun",
    "Organisation", "Unit",
]
