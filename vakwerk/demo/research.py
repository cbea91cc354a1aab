"""Demo research export: the Zwolle researcher's project covers the programme and holds
one finished SPSS export, so a new user sees what a researcher gets.

Called by vakwerk.demo after seed_research (which creates the project). Idempotent: as
long as a downloadable SPSS export exists, nothing is made; once it has expired (its file
deleted by the nightly task) the next run makes a new one."""

from django.core.files.storage import storages

from evaluation.research import services as research_services
from evaluation.research.catalogue import TABLES
from evaluation.research.models import ExportFormat, ResearchExport, ResearchProject
from vakwerk.models import JobStatus
from vakwerk.roles import Role

EXPORT_FOR = "0193"  # Demo Zwolle's CBS code: the municipality shaped like the trial


def seed(spec, users):
    researcher = users[Role.RESEARCHER]
    project = ResearchProject.objects.filter(
        municipality=spec.municipality, researchers=researcher
    ).first()
    if project is None:
        return None
    project.programmes.add(spec.programme)
    if spec.cbs_code != EXPORT_FOR or not research_services.project_is_valid(project):
        # A demo database seeded again after the project's agreement ended keeps what it
        # has: a researcher cannot export from an ended project, the demo neither.
        return None
    for export in ResearchExport.objects.filter(
        project=project, format=ExportFormat.SPSS, status=JobStatus.DONE
    ):
        if research_services.is_downloadable(export) and storages["private"].exists(
            export.file_name
        ):
            return export
    export = ResearchExport.objects.create(
        project=project,
        tables=list(TABLES),
        format=ExportFormat.SPSS,
        requested_by=researcher,
    )
    # Synchronously: the demo must not depend on a worker being up.
    return research_services.run_export(export.pk)
