"""Admin API for mining: pipeline progress per video (polled by the dashboard) and starting a run."""

from django.db.models import Count
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.catalog.models import ActionClass, Project, Video
from backend.core.models import Job
from backend.core.schema import ErrorOutputSerializer
from backend.mining.learning import learning_rounds_report
from backend.mining.models import ClassifierModel, Stage, VideoMining
from backend.mining.services import mining_videos_start, video_remove

# "class" is a Python keyword: the serializer with a "class" field is built with type().
MiningJobOutputSerializer = type(
    "MiningJobOutputSerializer",
    (serializers.Serializer,),
    {
        "video": serializers.CharField(help_text="the video's external id"),
        "class": serializers.CharField(),
        "state": serializers.ChoiceField(choices=Job.State.values),
        "stage": serializers.CharField(),
        "progress": serializers.FloatField(help_text="0..1"),
        "message": serializers.CharField(help_text="why it was removed, or why it got Random sampling"),
        "strategy": serializers.CharField(help_text="the sampling strategy it got; empty before sampling"),
    },
)


class MiningRoundOutputSerializer(serializers.Serializer):
    """learning.learning_rounds_report: one active-learning round."""

    round = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    youtube_accuracy = serializers.FloatField(allow_null=True)
    web_accuracy = serializers.FloatField(allow_null=True)
    training_clips = serializers.IntegerField()
    videos_resampled = serializers.IntegerField()
    labels_spent_before = serializers.IntegerField()
    sampled = serializers.IntegerField()
    decided = serializers.IntegerField()
    labels = serializers.IntegerField()
    positive_rate = serializers.FloatField(allow_null=True)
    disagreement_rate = serializers.FloatField(allow_null=True)


class MiningClassifierOutputSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="youtube (video frames) or web (web images)")
    version = serializers.IntegerField()
    val_accuracy = serializers.FloatField()
    created_at = serializers.DateTimeField()


def videos_to_mine(*, project: Project, action_class: ActionClass | None = None, restart: bool = False):
    """The videos *Mine new videos* queues (POST below): those with a file not yet done nor removed (all with a file
    when `restart`). The dashboard states their number before asking (issue 14)."""
    videos = Video.objects.filter(project=project).exclude(file="")
    if action_class is not None:
        videos = videos.filter(query_class=action_class)
    if not restart:
        videos = videos.exclude(mining__stage__in=[Stage.DONE, Stage.REMOVED])
    return videos


class MiningOutputSerializer(serializers.Serializer):
    to_mine = serializers.IntegerField(help_text="videos a start (POST, no restart) would queue now")
    stages = serializers.DictField(child=serializers.IntegerField(), help_text="mining stage -> videos in it")
    jobs = MiningJobOutputSerializer(many=True, help_text="the project's mining jobs, 100 at most")
    rounds = MiningRoundOutputSerializer(many=True)
    classifiers = MiningClassifierOutputSerializer(many=True, help_text="the latest 10")


class MiningApi(APIView):
    permission_classes = [IsAdminUser]

    class MiningStartInputSerializer(serializers.Serializer):
        action_class = serializers.IntegerField(required=False)
        restart = serializers.BooleanField(default=False)

    class MiningStartOutputSerializer(serializers.Serializer):
        queued = serializers.IntegerField(help_text="videos queued for mining")

    @extend_schema(responses={200: MiningOutputSerializer, 404: ErrorOutputSerializer})
    def get(self, request, project_id):
        project = get_object_or_404(Project, pk=project_id)
        stages = dict(
            VideoMining.objects.filter(video__project=project)
            .values_list("stage")
            .annotate(n=Count("pk"))
            .values_list("stage", "n")
        )
        jobs = (
            Job.objects.filter(kind="mine", video__project=project)
            .select_related("video", "video__query_class", "video__mining")
            .order_by("state", "-updated_at")[:100]
        )
        return Response(
            {
                "to_mine": videos_to_mine(project=project).count(),
                "stages": stages,
                "jobs": [
                    {
                        "video": j.video.external_id,
                        "class": j.video.query_class.name,
                        "state": j.state,
                        "stage": j.stage,
                        "progress": j.progress,
                        "message": j.message,
                        "strategy": getattr(getattr(j.video, "mining", None), "strategy", ""),
                    }
                    for j in jobs
                ],
                "rounds": learning_rounds_report(),
                "classifiers": [
                    {
                        "kind": c.kind,
                        "version": c.version,
                        "val_accuracy": c.val_accuracy,
                        "created_at": c.created_at.isoformat(),
                    }
                    for c in ClassifierModel.objects.all()[:10]
                ],
            }
        )

    @extend_schema(
        request=MiningStartInputSerializer,
        responses={202: MiningStartOutputSerializer, 400: ErrorOutputSerializer, 404: ErrorOutputSerializer},
    )
    def post(self, request, project_id):
        project = get_object_or_404(Project, pk=project_id)
        data = self.MiningStartInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        action_class = None
        if "action_class" in data.validated_data:
            action_class = get_object_or_404(ActionClass, pk=data.validated_data["action_class"])
        videos = videos_to_mine(project=project, action_class=action_class, restart=data.validated_data["restart"])
        ids = mining_videos_start(videos=videos, restart=data.validated_data["restart"])
        return Response({"queued": len(ids)}, status=status.HTTP_202_ACCEPTED)


class VideoRemoveApi(APIView):
    """Staff remove a video: it leaves mining, and its clips leave every queue and export (rows kept)."""

    permission_classes = [IsAdminUser]

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")

    class OutputSerializer(serializers.Serializer):
        video = serializers.CharField(help_text="the video's external id")
        removed_reason = serializers.CharField()
        clips_deleted = serializers.IntegerField(help_text="clips nobody had touched, deleted")
        clips_retired = serializers.IntegerField(help_text="clips with labels, leases or roles, retired (rows kept)")
        gold_retired = serializers.IntegerField(help_text="of those, gold clips no longer served as checks")
        examples_retired = serializers.IntegerField(help_text="of those, guideline examples (still shown)")

    @extend_schema(
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            400: ErrorOutputSerializer,
            404: ErrorOutputSerializer,
            409: ErrorOutputSerializer,
        },
    )
    def post(self, request, project_id, video_id):
        # the project first: a made-up id too large for the column is a 404 there (an integer lookup), where
        # filtering by the foreign key's column reached the database and failed (schemathesis: 500 on SQLite)
        project = get_object_or_404(Project, pk=project_id)
        video = get_object_or_404(Video, pk=video_id, project=project)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = video_remove(video=video, reason=data.validated_data["reason"], by=request.user)
        return Response(
            {
                "video": video.external_id,
                "removed_reason": video.mining.removed_reason,
                "clips_deleted": result.deleted,
                "clips_retired": result.retired,
                "gold_retired": result.gold,
                "examples_retired": result.examples,
            }
        )
