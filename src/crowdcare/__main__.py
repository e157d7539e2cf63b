from crowdcare.cli import app

app(prog_name="crowdcare")
