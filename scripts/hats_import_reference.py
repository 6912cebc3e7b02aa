"""Builds a HATS catalog with the reference implementation (hats-import) from a CSV file.

Usage: python hats_import_reference.py INPUT.csv OUTPUT_DIR NAME [PIXEL_THRESHOLD]
The dask Client must be created under `if __name__ == "__main__"`, else its worker processes fail to start.
"""
import sys


def main():
    from dask.distributed import Client
    from hats_import.catalog.arguments import ImportArguments
    from hats_import.pipeline import pipeline_with_client

    src, out, name = sys.argv[1], sys.argv[2], sys.argv[3]
    threshold = int(sys.argv[4]) if len(sys.argv) > 4 else 1_000_000
    args = ImportArguments(
        input_file_list=[src],
        file_reader="csv",
        ra_column="ra",
        dec_column="dec",
        output_path=out,
        output_artifact_name=name,
        pixel_threshold=threshold,
        progress_bar=False,
    )
    with Client(n_workers=1, threads_per_worker=1, processes=False) as client:
        pipeline_with_client(args, client)


if __name__ == "__main__":
    main()
