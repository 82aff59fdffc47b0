"""Prints infra/template.yaml (or the template named) as AWS's SAM translator turns it into plain
CloudFormation, as JSON, offline: the transform `sam deploy` has CloudFormation run. Parameters keep
their defaults; the region is us-east-1. tests/tests/edge.rs reads its output.

    .tools/venv/bin/python scripts/sam-translate.py [infra/template.yaml]
"""

import json
import sys

import boto3

from samtranslator.parser import parser
from samtranslator.translator.translator import Translator
from samtranslator.yaml_helper import yaml_parse


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else "infra/template.yaml"
    with open(path, encoding="utf-8") as f:
        template = yaml_parse(f.read())
    # No managed policy is named (each function's policy is inline), so no IAM lookup is needed.
    # As `sam deploy` does after uploading each function's code: CodeUri becomes an S3 location.
    for resource in template.get("Resources", {}).values():
        props = resource.get("Properties") or {}
        if resource.get("Type") == "AWS::Serverless::Function" and isinstance(props.get("CodeUri"), str):
            props["CodeUri"] = "s3://packaged/" + props["CodeUri"].rsplit("/", 1)[-1] + ".zip"
    # A session only to name the region: nothing is asked of AWS.
    session = boto3.session.Session(region_name="us-east-1")
    translator = Translator(managed_policy_map={}, sam_parser=parser.Parser(), boto_session=session)
    translated = translator.translate(template, parameter_values={}, get_managed_policy_map=lambda: {})
    json.dump(translated, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
