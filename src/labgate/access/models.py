"""The access area's table: the labels of recorded answers, for binding a conversation's
high-water mark to what labgate itself answered (``docs/labels.md``).

``label_answers`` holds one row per labelled answer (above the deployment's range minimum):
who got it, the SHA-256 of its text as the client resends it, and its label (the same text
answered at two labels is two rows; the later request takes their join). A later request
of the same user whose assistant turns match an answer's digest inherits that answer's label,
whatever label the client states or drops. Unlabelled (range-minimum) answers are not stored:
they could raise nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import DateTime, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from labgate.store.base import Base


class LabelAnswer(Base):
    __tablename__ = "label_answers"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    answer_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(256), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


LABEL_ANSWERS = cast(Table, LabelAnswer.__table__)
