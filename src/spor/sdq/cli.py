"""``spor sdq``: score SDQ answers from the command line (no Django, no database)."""

from __future__ import annotations

from pathlib import Path

import click

from spor.sdq._base import SDQError
from spor.sdq._instrument import list_forms, load_instrument
from spor.sdq._norms import list_norm_sets, load_norm_set
from spor.sdq._table import score_file, write_table


def _fail(exc: SDQError) -> None:
    click.echo(f"Fejl / error: {exc}", err=True)
    raise SystemExit(1)


class _FormType(click.ParamType[str]):
    name = "skema"

    def convert(self, value: str, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            load_instrument(value)
        except SDQError as exc:
            self.fail(str(exc), param, ctx)
        return value


class _NormsType(click.ParamType[str]):
    name = "normsæt"

    def convert(self, value: str, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            load_norm_set(value)
        except SDQError as exc:
            self.fail(str(exc), param, ctx)
        return value


# INPUT and --form read the same way by every command that takes responses.
_input_argument = click.argument(
    "input_path", metavar="INPUT", type=click.Path(dir_okay=False, path_type=Path)
)


class _FormOption(click.Option):
    """``--form``, whose help lists the shipped forms when the help is shown (reading every
    form's definition at each start cost a command that does not show it ~0.01-0.03 s)."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        self.help = f"Skema: {', '.join(list_forms())}, eller en definitionsfil (.json)."
        return super().get_help_record(ctx)


_form_option = click.option("--form", "form", cls=_FormOption, required=True, type=_FormType())


@click.group()
def sdq() -> None:
    """SDQ: scoring, bånd og normsæt (Strengths and Difficulties Questionnaire)."""


@sdq.command("score")
@_input_argument
@_form_option
@click.option(
    "--norms",
    type=_NormsType(),
    default=None,
    help="Normsæt (standard: skemaets), fx uk-3band, uk-4band, eller en normfil (.json).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Outputfil (.csv eller .xlsx). Uden -o skrives CSV til stdout.",
)
def score_cmd(input_path: Path, form: str, norms: str | None, output: Path | None) -> None:
    """Scor SDQ-besvarelser i INPUT (.csv eller .xlsx).

    Kolonner: id, sdq1 … sdq25 (eller youthinminds navne, fx pconsid/consid eller psdq1) og
    eventuelt impact-kolonnerne (ebddiff, distres, …). Tom celle = ikke besvaret. Ved en
    ugyldig værdi meldes række og kolonne, exit-koden er 1, og intet skrives.
    """
    try:
        if not input_path.exists():
            raise SDQError(f"inputfilen {input_path} findes ikke / input file not found")
        inst = load_instrument(form)
        done = None
        if input_path.suffix.lower() == ".csv":
            # the common CSV file: read, scored and written in pieces on all cores
            from spor.sdq._stream import score_csv_to

            done = score_csv_to(
                inst, input_path, norms, output, warn=lambda w: click.echo(w, err=True)
            )
        if done is not None:
            n = done
        else:  # any other file: cell by cell, every bad cell named
            header, rows, n, warning = score_file(inst, input_path, norms)
            if warning:
                click.echo(warning, err=True)
            write_table(output, header, rows, n)
    except SDQError as exc:
        _fail(exc)
    if output is not None:
        click.echo(f"{n} besvarelser scoret → {output}", err=True)


@sdq.command("evaluate")
@_input_argument
@_form_option
@click.option(
    "--norms",
    type=_NormsType(),
    default=None,
    help="Normsæt (standard: skemaets), som giver populationens gennemsnit, SD og reliabilitet.",
)
@click.option(
    "--reliability",
    type=click.FloatRange(0, 1, max_open=True),
    default=None,
    help="Test-retest-reliabilitet r (standard: normsættets, fx 0.62).",
)
@click.option(
    "--population-mean",
    type=float,
    default=None,
    help="Normgruppens gennemsnit μ af den samlede vanskelighedsscore (standard: normsættets).",
)
@click.option(
    "--population-sd",
    type=click.FloatRange(0, min_open=True),
    default=None,
    help="Normgruppens SD (standard: normsættets); bruges til RCI og regression mod middelværdien.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Outputfil (.json). Uden -o skrives JSON til stdout.",
)
def evaluate_cmd(
    input_path: Path,
    form: str,
    norms: str | None,
    reliability: float | None,
    population_mean: float | None,
    population_sd: float | None,
    output: Path | None,
) -> None:
    """Evaluér før/efter-målinger i INPUT (.csv eller .xlsx) med samme kode som
    evalueringssiden: ændring, ændring ud over regression mod middelværdien og pålidelig
    ændring, med de parametre, tallene bygger på.

    Kolonner: child_id, occasion (before/after eller før/efter), sdq1 … sdq25 og eventuelt
    impact-kolonnerne. Ved en ugyldig værdi meldes række og kolonne, exit-koden er 1, og intet
    skrives.
    """
    import json

    from spor.evaluation import paired_file
    from spor.evaluation.stats import EvaluationError

    try:
        if not input_path.exists():
            raise SDQError(f"inputfilen {input_path} findes ikke / input file not found")
        if output is not None and output.suffix.lower() != ".json":
            raise SDQError(f"outputfilen {output} skal være .json / output must be .json")
        if (population_mean is None) != (population_sd is None):
            raise SDQError(
                "angiv både --population-mean og --population-sd, eller ingen af dem / "
                "give both --population-mean and --population-sd, or neither"
            )
        result = paired_file.evaluate_file(
            input_path,
            form=form,
            norms=norms,
            reliability=reliability,
            population_mean=population_mean,
            population_sd=population_sd,
        )
        if output is None:
            click.echo(json.dumps(result, ensure_ascii=False, indent=1))
        else:
            paired_file.write_json(result, output)
    except (SDQError, EvaluationError) as exc:
        click.echo(f"Fejl / error: {exc}", err=True)
        raise SystemExit(1) from None
    if output is not None:
        click.echo(f"{result['n_pairs']} par evalueret → {output}", err=True)


@sdq.command("forms")
def forms_cmd() -> None:
    """Vis de skemaer Spor kender."""
    for name in list_forms():
        inst = load_instrument(name)
        norms = ", ".join(inst.norm_sets) or "-"
        click.echo(f"{name:24} {inst.title_da}  (normsæt: {norms})")


@sdq.command("norms")
def norms_cmd() -> None:
    """Vis de normsæt Spor har med."""
    for name in list_norm_sets():
        ns = load_norm_set(name)
        click.echo(f"{ns.ref:26} {ns.title_da}")
