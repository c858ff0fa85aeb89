"""What an export wrote and how closely the exported model's vectors agree with the source's."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ExportResult:
    output: Path
    format: str
    # file inside ``output`` → its agreement with the source model, measured as ``measure`` says
    agreement: dict[str, float]
    measure: str

    def summary(self) -> str:
        """One line per exported file, as ``align export`` prints them."""
        lines = [f"{self.format} model written to {self.output}"]
        lines += [f"  {name}: {self.measure} {value:.5g}" for name, value in self.agreement.items()]
        return "\n".join(lines)
