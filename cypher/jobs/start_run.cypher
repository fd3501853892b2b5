// mode: write
// params: $id (str), $job (str), $started (epoch ms), $params (JSON str)
CREATE (r:JobRun {id: $id, job: $job, started: $started, status: 'running', params: $params})
