{{/* Names: a release called "kensa" gives kensa-gateway, kensa-nats, ... as in deploy/. */}}
{{- define "kensa.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "kensa.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The name of one component's objects: (dict "root" $ "component" "gateway"). */}}
{{- define "kensa.componentName" -}}
{{- printf "%s-%s" (include "kensa.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "gateway"). */}}
{{- define "kensa.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kensa.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* All labels of one component: (dict "root" $ "component" "gateway"). */}}
{{- define "kensa.labels" -}}
{{ include "kensa.selectorLabels" . }}
app.kubernetes.io/part-of: kensa
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "kensa.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* KENSA_NATS_URL when it is not taken from a Secret. */}}
{{- define "kensa.natsUrl" -}}
{{- if .Values.nats.enabled -}}
{{- printf "nats://%s-nats:4222" (include "kensa.fullname" .) -}}
{{- else -}}
{{- required "nats.enabled is false: set nats.url (nats://host:4222) or nats.urlSecret to your NATS JetStream" .Values.nats.url -}}
{{- end -}}
{{- end -}}

{{/* KENSA_REDIS_URL when it is not taken from a Secret. */}}
{{- define "kensa.redisUrl" -}}
{{- if .Values.redis.enabled -}}
{{- printf "redis://%s-redis:6379/0" (include "kensa.fullname" .) -}}
{{- else -}}
{{- required "redis.enabled is false: set redis.url (redis://host:6379/0) or redis.urlSecret to your Redis" .Values.redis.url -}}
{{- end -}}
{{- end -}}

{{/* host:port of the NATS monitoring port that KEDA's nats-jetstream scaler reads. */}}
{{- define "kensa.natsMonitoringEndpoint" -}}
{{- if .Values.nats.monitoringEndpoint -}}
{{- .Values.nats.monitoringEndpoint -}}
{{- else if .Values.nats.enabled -}}
{{- printf "%s-nats.%s.svc.cluster.local:8222" (include "kensa.fullname" .) .Release.Namespace -}}
{{- else -}}
{{- required "keda.enabled with nats.enabled false: set nats.monitoringEndpoint (host:8222 of your NATS)" .Values.nats.monitoringEndpoint -}}
{{- end -}}
{{- end -}}

{{- define "kensa.apiKeysSecretName" -}}
{{- default (printf "%s-api-keys" (include "kensa.fullname" .)) .Values.apiKeys.existingSecret -}}
{{- end -}}

{{- define "kensa.blobsClaimName" -}}
{{- default (printf "%s-blobs" (include "kensa.fullname" .)) .Values.blobs.existingClaim -}}
{{- end -}}

{{/*
One Kensa Deployment. Arguments (a dict):
  root        the chart's root context ($)
  component   gateway | intake | static-analysis | sandbox-runner | report-generator | forensic-ingest
  values      the component's values (.Values.gateway, ...)
  args        extra arguments after "<component> --config /etc/kensa/kensa.yaml"
  ports       list of (dict "name" "http" "port" 8080), besides the admin port
  env         list of env entries (maps) of this component
  blobs       "" (no volume), "rw" or "ro"
  apiKeys     true to mount the API key Secret
  secretFile  (dict "name" "secretName" "mountPath") of a Secret to mount read-only, or an empty dict
  autoscaled  true when KEDA owns the replica count (replicas is then left out)
  startupFailureThreshold  how many 5 s start-up probes may fail (rules loading)
  terminationGracePeriodSeconds
  tmpSize     size limit of the /tmp emptyDir (default 1Gi)
*/}}
{{- define "kensa.deployment" -}}
{{- $root := .root -}}
{{- $ctx := dict "root" $root "component" .component -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "kensa.componentName" $ctx }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "kensa.labels" $ctx | nindent 4 }}
spec:
  {{- if not .autoscaled }}
  replicas: {{ .values.replicas }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "kensa.selectorLabels" $ctx | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "kensa.labels" $ctx | nindent 8 }}
      annotations:
        # Restart the pods when the shared configuration changes.
        checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
        {{- with .values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      automountServiceAccountToken: false
      terminationGracePeriodSeconds: {{ .terminationGracePeriodSeconds | default 30 }}
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      containers:
        - name: {{ .component }}
          image: {{ include "kensa.image" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          args:
            - {{ .component }}
            - --config
            - /etc/kensa/kensa.yaml
            {{- range .args }}
            - {{ . | quote }}
            {{- end }}
          envFrom:
            - configMapRef:
                name: {{ include "kensa.fullname" $root }}-env
          {{- $env := concat (.env | default list) (include "kensa.secretEnv" $root | fromYamlArray) (.values.extraEnv | default list) }}
          {{- with $env }}
          env:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          ports:
            {{- range .ports }}
            - name: {{ .name }}
              containerPort: {{ .port }}
            {{- end }}
            - name: metrics
              containerPort: {{ $root.Values.config.adminPort }}
          startupProbe:
            httpGet: {path: /healthz, port: metrics}
            periodSeconds: 5
            failureThreshold: {{ .startupFailureThreshold | default 24 }}
          livenessProbe:
            httpGet: {path: /healthz, port: metrics}
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          readinessProbe:
            httpGet: {path: /readyz, port: metrics}
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 2
          resources:
            {{- toYaml .values.resources | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.containerSecurityContext | nindent 12 }}
          volumeMounts:
            - name: config
              mountPath: /etc/kensa/kensa.yaml
              subPath: kensa.yaml
              readOnly: true
            {{- if .apiKeys }}
            - name: api-keys
              mountPath: /etc/kensa/secrets
              readOnly: true
            {{- end }}
            {{- with .secretFile }}
            - name: {{ .name }}
              mountPath: {{ .mountPath }}
              readOnly: true
            {{- end }}
            {{- if .blobs }}
            - name: blobs
              mountPath: {{ $root.Values.config.blobDir }}
              {{- if eq .blobs "ro" }}
              readOnly: true
              {{- end }}
            {{- end }}
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: config
          configMap:
            name: {{ include "kensa.fullname" $root }}-config
        {{- if .apiKeys }}
        - name: api-keys
          secret:
            secretName: {{ include "kensa.apiKeysSecretName" $root }}
            defaultMode: 0440
        {{- end }}
        {{- with .secretFile }}
        - name: {{ .name }}
          secret:
            secretName: {{ .secretName }}
            defaultMode: 0440
        {{- end }}
        {{- if .blobs }}
        - name: blobs
          persistentVolumeClaim:
            claimName: {{ include "kensa.blobsClaimName" $root }}
            {{- if eq .blobs "ro" }}
            readOnly: true
            {{- end }}
        {{- end }}
        - name: tmp
          emptyDir:
            sizeLimit: {{ .tmpSize | default "1Gi" }}
      {{- with .values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}

{{/* Env entries that take the NATS / Redis URL from a Secret (they override envFrom). */}}
{{- define "kensa.secretEnv" -}}
{{- $entries := list -}}
{{- with .Values.nats.urlSecret -}}
{{- if .name -}}
{{- $entries = append $entries (dict "name" "KENSA_NATS_URL" "valueFrom" (dict "secretKeyRef" (dict "name" .name "key" .key))) -}}
{{- end -}}
{{- end -}}
{{- with .Values.redis.urlSecret -}}
{{- if .name -}}
{{- $entries = append $entries (dict "name" "KENSA_REDIS_URL" "valueFrom" (dict "secretKeyRef" (dict "name" .name "key" .key))) -}}
{{- end -}}
{{- end -}}
{{- toYaml $entries -}}
{{- end -}}

{{/* One Service for a component: (dict "root" $ "component" "intake" "ports" (list ...) "type" "ClusterIP" "headless" true). */}}
{{- define "kensa.service" -}}
{{- $root := .root -}}
{{- $ctx := dict "root" $root "component" .component -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "kensa.componentName" $ctx }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "kensa.labels" $ctx | nindent 4 }}
  {{- with .annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ .type | default "ClusterIP" }}
  {{- if .headless }}
  # Headless: DNS answers every pod, so gRPC clients (round_robin) spread calls over the
  # replicas instead of pinning one long-lived connection to one pod.
  clusterIP: None
  {{- end }}
  selector:
    {{- include "kensa.selectorLabels" $ctx | nindent 4 }}
  ports:
    {{- range .ports }}
    - name: {{ .name }}
      port: {{ .port }}
      targetPort: {{ .name }}
      {{- if .appProtocol }}
      appProtocol: {{ .appProtocol }}
      {{- end }}
    {{- end }}
    - name: metrics
      port: {{ $root.Values.config.adminPort }}
      targetPort: metrics
{{- end -}}
