namespace RerankExperiments.Tracking;

/// <summary>MLflow's RunStatus, with its protobuf numbers (the FileStore's meta.yaml stores the number).</summary>
public enum RunStatus
{
    Running = 1,
    Scheduled = 2,
    Finished = 3,
    Failed = 4,
    Killed = 5,
}
