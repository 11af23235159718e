"""cdktf entry point (`npx cdktf synth|deploy`): the same app `lz synth` builds."""

from landing_zone.cli.cdktf_app import synth_from_env

if __name__ == "__main__":
    synth_from_env()
