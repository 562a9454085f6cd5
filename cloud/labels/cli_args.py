"""The arguments of `txng labels …` (kept light: the label libraries load only when it runs)."""

import argparse

SYMBOLOGIES = ("qr", "datamatrix", "gs1_128")
OUTPUTS = ("pdf", "zpl", "png", "svg")


def _labels(args: argparse.Namespace) -> int:
    from cloud.labels.command import labels_command

    return labels_command(args)


def add_arguments(groups: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """`txng labels …` and its options."""
    labels = groups.add_parser("labels", help="GS1 labels: QR, DataMatrix, GS1-128, SSCC")
    commands = labels.add_subparsers(dest="command", required=True)
    batch = commands.add_parser("batch", help="a batch's pack labels (--serials: serialised)")
    batch.add_argument("gtin")
    batch.add_argument("lot")
    batch.add_argument("--symbology", choices=SYMBOLOGIES, default="qr")
    how_many = batch.add_mutually_exclusive_group()
    how_many.add_argument("--serials", type=int, help="allocate and commission N serials")
    how_many.add_argument("--copies", type=int, default=1, help="N labels without serials")
    batch.add_argument("--by", default="cli", help="who printed (recorded with the job)")
    reprint = commands.add_parser("reprint", help="an earlier print job's labels again")
    reprint.add_argument("job", type=int)
    sscc = commands.add_parser("sscc", help="GS1 logistic labels of SSCCs")
    sscc.add_argument("sscc", nargs="+")
    sscc.add_argument("--gtin", help="a homogeneous pallet's product")
    sscc.add_argument("--lot", help="… its lot")
    sscc.add_argument("--count", type=int, help="… and how many trade items it holds")
    for command in (batch, reprint, sscc):
        command.add_argument("--out", required=True, help="file to write (.pdf, .zpl, .png, .svg)")
        command.add_argument("--format", choices=OUTPUTS)
        command.add_argument("--layout", help="sheet or label size (txng labels layouts)")
        command.add_argument("--database-url", help="overrides TXNG_DATABASE_URL")
        if command is not sscc:
            command.add_argument("--base-url", help="overrides TXNG_API_PUBLIC_BASE_URL")
    commands.add_parser("layouts", help="list sheet layouts and thermal label sizes")
    labels.set_defaults(handler=_labels)
