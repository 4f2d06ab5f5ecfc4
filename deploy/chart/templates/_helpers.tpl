{{/*
Helpers shared by the templates. The chart keeps to the part of Helm's template language that
deploy/render.go provides (Go templates with include, required, fail, default, quote, toYaml,
indent, nindent, trunc, trimSuffix, sha256sum), so tests render it without Helm.
*/}}

{{/* The base name of every object: 44 characters leave room for "-extract" in a CronJob's 52. */}}
{{- define "oktalake.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 44 | trimSuffix "-" -}}
{{- end -}}

{{- define "oktalake.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "oktalake.labels" -}}
{{ include "oktalake.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: oktalake
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "oktalake.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "oktalake.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false: the ServiceAccount with the IRSA role" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "oktalake.secretName" -}}
{{- default (include "oktalake.fullname" .) .Values.secret.name -}}
{{- end -}}

{{- define "oktalake.image" -}}
{{- $repository := required "image.repository is required: build the image with the repository's Dockerfile and push it to your registry" .Values.image.repository -}}
{{- if .Values.image.digest -}}
{{ $repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ $repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{/* A secretKeyRef env var: pass the variable's name and the key's value name in secret.keys. */}}
{{- define "oktalake.secretEnv" -}}
- name: {{ index . 1 }}
  valueFrom:
    secretKeyRef:
      name: {{ include "oktalake.secretName" (index . 0) }}
      key: {{ index . 2 }}
{{- end -}}

{{/* The bucket, log and AWS settings both workloads read. */}}
{{- define "oktalake.bucketEnv" -}}
- name: OKTALAKE_BUCKET
  value: {{ required "bucket.url is required: s3://bucket[/prefix]" .Values.bucket.url | quote }}
{{- with .Values.bucket.region }}
- name: AWS_REGION
  value: {{ . | quote }}
{{- end }}
{{- with .Values.bucket.endpoint }}
- name: AWS_ENDPOINT_URL_S3
  value: {{ . | quote }}
{{- end }}
{{- with .Values.bucket.prefix }}
- name: OKTALAKE_PREFIX
  value: {{ . | quote }}
{{- end }}
- name: OKTALAKE_NAMESPACE
  value: {{ .Values.bucket.namespace | quote }}
{{- if .Values.bucket.staticCredentials }}
{{ include "oktalake.secretEnv" (list . "AWS_ACCESS_KEY_ID" .Values.secret.keys.awsAccessKeyId) }}
{{ include "oktalake.secretEnv" (list . "AWS_SECRET_ACCESS_KEY" .Values.secret.keys.awsSecretAccessKey) }}
{{- end }}
- name: OKTALAKE_LOG_FORMAT
  value: "json"
- name: OKTALAKE_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
{{- end -}}
