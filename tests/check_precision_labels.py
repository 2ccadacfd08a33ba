"""Labelled `adfgen check` findings on the public corpus (../shared/corpus/adf-public), judged against ADF's docs.

Each label names a file (relative to the corpus), a rule code, a text that the finding's path or message
contains, whether the finding is TRUE (it must be reported, with that severity) or FALSE (it must not be),
and why. The first block holds issue 18's examples; the rest were judged for this suite. Sources used often:
  DEACTIVATE  https://learn.microsoft.com/azure/data-factory/deactivate-activity (inactive: no validation, no run)
  SECURE      https://learn.microsoft.com/azure/data-factory/how-to-use-azure-key-vault-secrets-pipeline-activities
              (secureOutput/secureInput keep secrets out of run monitoring)
  EXECPIPE    https://learn.microsoft.com/azure/data-factory/control-flow-execute-pipeline-activity (parameters
              are the child run's parameters, shown in monitoring)
  LOOKUP      https://learn.microsoft.com/azure/data-factory/control-flow-lookup-activity (5,000 rows at most)
  EXPR        https://learn.microsoft.com/azure/data-factory/control-flow-expression-language-functions
  REFS        https://learn.microsoft.com/azure/data-factory/concepts-datasets-linked-services
"""

from __future__ import annotations

from typing import NamedTuple


class Label(NamedTuple):
    """One judged finding: TRUE ones must be reported with `severity`, FALSE ones must not be reported."""

    file: str
    code: str
    where: str  # a text in the finding's path or message
    true: bool
    severity: str  # "error" or "warning" for TRUE labels; "" for FALSE ones
    reason: str


T, F = True, False
E, W = "error", "warning"
SAGE = "01Gauchet__DataFactory_Inemuri/pipeline/pplnSage300_Cookie.json"
S3 = "Tonilifter__dap-core-datafactory/pipeline/AmazonS3Pipeline.json"
POSTAL_US = "Gkalidass27__EDMEAzureDataFactory/pipeline/Stage_PostalCodeAutomation_US.json"
OAUTH_TEMPLATE = "Azure__Azure-DataFactory/templates/Copy from REST or HTTP using OAuth/Copy from REST or HTTP using OAuth.json"
DELPHIX = ("Azure__Azure-DataFactory/templates/Sensitive Data Discovery with Delphix - Legacy/"
           "Sensitive Data Discovery with Delphix - Legacy.json")

LABELS: tuple[Label, ...] = (
    # ---- issue 18's examples
    Label(SAGE, "RL002", "getToken", F, "", "a password grant: no rotating refresh token to race on"),
    Label(S3, "RL002", "HttpToken", F, "", "a client-credentials grant: no refresh token to race on"),
    Label("Tonilifter__dap-core-datafactory/pipeline/MLServing_endpoint_call.json", "SE005", "client_secret", F, "",
          "the parameter holds a Key Vault secret *name*, used only in the vault URL path"),
    Label("fayssal93600__Carmignac/trigger/FACTSET_API_CALL_TO_RAW.json", "RF008", "navDate", F, "",
          "the callee copes with a null navDate (no use where null fails)"),
    Label("fayssal93600__Carmignac/pipeline/ENRICHMENT_PUSH_ISSUER.json", "RF008", "refresh isin_scope", F, "",
          "the called pipeline copes with the missing parameter being null"),
    Label("Gkalidass27__EDMEAzureDataFactory/pipeline/Stage_SiteMaster_DAC.json", "RF007", "Load_SiteMaster_DAC", F, "",
          "the Execute Pipeline is inside an inactive activity: DEACTIVATE"),
    Label(POSTAL_US, "SE001", "Getlicensekey_Melissa", T, E,
          "a Key Vault read through MSI whose URL is a global parameter, no secureOutput: the licence key is logged"),
    Label(POSTAL_US, "SE004", "Set Licensekey", T, E, "the licence key is copied into a variable (logged): SECURE"),
    Label(POSTAL_US, "SE003", "GetFilelist", T, E, "the licence key goes into a URL without secureInput"),
    Label(S3, "SE001", "GetAwsCredentials", T, E,
          "a non-token Web call returning an AWS secret access key and session token, no secureOutput"),
    Label(S3, "SE003", "CopyData\")", T, E,
          "the AWS secret access key flows into the S3 dataset's parameters without secureInput"),
    Label(SAGE, "SE006", "apiKey", T, E, "a literal API key in the token call's body (in Git and in run logs)"),
    Label(SAGE, "SE004", "get Set_Cookie", T, E, "the session cookie (Set-Cookie) is copied into a variable"),
    Label(SAGE, "SE004", "Process PeopleESSUser", T, E, "a part of the session cookie is copied into another variable"),
    Label("Azure-Player__azure.datafactory.tools/adhoc/issue-245/pipeline/PL_GEN_Sources_Orch.json", "RF007",
          "DFLJsonFlattenConverations", T, W,
          "Execute Data Flow names a data flow the folder lacks (a partial folder: a warning)"),
    Label(DELPHIX, "SE004", "Setup Masking Engine", T, E,
          "the login reply's Authorization token is passed to a child pipeline's parameters: EXECPIPE"),
    # ---- judged for this suite
    Label("Gkalidass27__EDMEAzureDataFactory/pipeline/Stage_SiteMaster_DAC.json", "SE001", "GetNextToken", F, "",
          "a pagination continuation token is no credential"),
    Label("Tonilifter__dap-core-datafactory/pipeline/Azure Durable Function Abstract.json", "SE001", "Check Status", F,
          "", "polls a Durable Function status URL; the vault MSI audience was copied, it reads no secret"),
    Label("Tonilifter__dap-core-datafactory/pipeline/SharepointListPipeline.json", "SE001", "GetGovernanceMetadata", F,
          "", "its clientSecret field is only used as a Key Vault secret name in a vault URL"),
    Label(S3, "SE001", "GetGovernanceMetadata", F, "", "kvSecretAccessKey names a Key Vault secret; it is none"),
    Label(S3, "SE004", "Set appIdToken", T, W,
          "an application id read from Key Vault goes into a variable: worth reading, not surely a secret"),
    Label(S3, "SE004", "Set appSecretToken", T, E, "a Key Vault secret named like a credential goes into a variable"),
    Label(SAGE, "SE001", "getToken", T, E, "a token endpoint's reply without secureOutput: SECURE"),
    Label(SAGE, "SE002", "getToken", T, E, "a password grant with an API key sent without secureInput"),
    Label(OAUTH_TEMPLATE, "SE003", "CopyData", T, E, "the bearer token goes into the Copy's headers without secureInput"),
    Label(OAUTH_TEMPLATE, "SE001", "GetBearerToken", T, E, "a token reply without secureOutput"),
    Label(OAUTH_TEMPLATE, "RL002", "GetBearerToken", F, "", "a client-credentials grant: nothing rotates"),
    Label("Azure__Azure-DataFactory/templates/Data Anonymization with Presidio as an HTTP service/"
          "Data Anonymization with Presidio HTTP.json", "SE001", "GetSASToken", T, E,
          "a Key Vault secret named sas-token read without secureOutput"),
    Label("BenReeveUoS__df-factory/dataflow/01_dataflow_FactSales.json", "RF012", "SalesOrderDetail_Table", T, E,
          "the data flow's source dataset is not in this whole factory (factory/ folder): REFS"),
    Label("BenReeveUoS__df-factory/dataflow/02_dataflow_Dim.json", "RF012", "Product_Table", T, E,
          "the data flow's source dataset is not in the factory: REFS"),
    Label("BenReeveUoS__df-factory/pipeline/pipeline1.json", "RF007", "Customer_Table", T, E,
          "the Copy's input dataset is not in the factory: REFS"),
    Label("Azure-Player__azure.datafactory.tools/test/BigFactorySample2/pipeline/Multiple Waits.json", "RF009",
          "If Condition1", T, E, "dependsOn names an activity that does not exist in that list"),
    Label("usnndi__granger_nps_adf/dataset/NPS_Export.json", "EX001", "fileName", T, E,
          "typographic quotes are no string delimiters in the expression language: EXPR"),
    Label("Azure-Player__azure.datafactory.tools/test/BigFactorySample2/pipeline/PL_Wait5sec.json", "EX001", "GP-Int",
          T, E, "`.GP-Int` reads GP minus Int; a name with '-' needs ['GP-Int']: EXPR"),
    Label("01Gauchet__DataFactory_Inemuri/linkedService/LSSage300.json", "SC002", "typeProperties", T, E,
          "the Web linked service's url and method sit outside properties; typeProperties.url is required"),
    Label("Azure__Azure-DataFactory/templates/Transform data using data flow with copy ingest/"
          "Transform data using data flow with copy ingest.json", "SC002", "linkedServiceName", T, E,
          "a dataset without linkedServiceName cannot be deployed"),
    Label("Azure__Azure-DataFactory/templates/Delta copy from Database/Delta copy from Database.json", "SC002",
          "storedProcedureName", T, E, "a Stored Procedure activity without storedProcedureName"),
    Label("Azure__Azure-DataFactory/templates/Incremental Copy From Sap Table/Incremental Copy From Sap Table.json",
          "SC003", "AzureBlobStorageReadSetting", T, W, "a misspelt store-settings type (…ReadSettings)"),
    Label("Azure-Player__azure.datafactory.tools/adhoc/issue-240/pipeline/~pl_nav_extract.json", "SC004",
          "~pl_nav_extract", T, W, "Git integration names files <resource name>.json"),
    Label("Tonilifter__dap-core-datafactory/pipeline/PISystemStreamingPipeline.json", "SE003", "StreamingRequest", T, E,
          "an auth header read from Key Vault is sent without secureInput"),
    Label("Tonilifter__dap-core-datafactory/pipeline/MLTraining_endpoint_call.json", "SE003", "MDSTraining", T, E,
          "the access token, kept in a variable, is sent without secureInput"),
    Label("Azure__Azure-DataFactory/templates/Extract data from PDF/Extract data from PDF.json", "SE005",
          "CognitiveServicesKey", T, W, "a String parameter sent as the Ocp-Apim-Subscription-Key header"),
    Label("Tonilifter__dap-core-datafactory/pipeline/ProcessorPipeline.json", "RF008", "OperationalLogPipeline", F, "",
          "the callee uses 'message' only inside an If Condition that tests empty(message)"),
    Label("Tonilifter__dap-core-datafactory/pipeline/ServiceNowPipeline.json", "RL002", "HttpToken", F, "",
          "a client-credentials grant: nothing rotates"),
    Label("Abinats__MASTER_ADF/pipeline/PL_UNTIL_ACTIVITY_usecase6.json", "DS004", "ForEach1", T, W,
          "a ForEach over a Lookup with no row-count check: LOOKUP"),
    Label("Tonilifter__dap-core-datafactory/pipeline/PISystemWriterPipeline.json", "SE001", "TranslateBaseURL", T, W,
          "a base URL kept in Key Vault, read without secureOutput: worth a look, not surely a secret"),
    Label("Tonilifter__dap-core-datafactory/pipeline/ServiceNowPipeline.json", "SE001", "GetAppSecretToken", T, E,
          "a Key Vault secret named like a credential read without secureOutput"),
    Label("Tonilifter__dap-core-datafactory/pipeline/ServiceNowPipeline.json", "SE002", "HttpToken", T, E,
          "a client secret sent to the token endpoint without secureInput"),
    Label("01Gauchet__DataFactory_Inemuri/dataset/WebTable1.json", "SC002", "typeProperties", T, E,
          "a Web table dataset needs typeProperties.index (https://learn.microsoft.com/azure/data-factory/"
          "connector-web-table#dataset-properties)"),
    Label("DigitalDataBTS__BTS/dataset/TakedaMongoDBSourceConnection.json", "SC002", "typeProperties", T, E,
          "a MongoDB collection dataset needs typeProperties.collection (connector-mongodb#dataset-properties)"),
    Label("Azure-Player__azure.datafactory.tools/adhoc/issue-240/pipeline/~pl_nav_extract.json", "SC002",
          "DFL_FlattenConversations", T, E, "an Execute Data Flow without typeProperties names no data flow"),
    Label("Azure__Azure-DataFactory/templates/Schedule Azure-SSIS Integration Runtime to execute SSIS packages/"
          "Schedule Azure-SSIS Integration Runtime to execute SSIS packages.json", "SC002", "packageLocation", T, E,
          "Execute SSIS Package needs packageLocation (how-to-invoke-ssis-package-ssis-activity)"),
    Label("A-BartKow__Azure-Project-Rebrickable/data-factory/pipeline/Rebrickable.json", "RF007", "'Lego'", T, E,
          "Execute Pipeline names a pipeline this whole factory (factory/ folder) lacks: publishing fails"),
    Label("DigitalDataBTS__BTS/dataset/S3connection.json", "RF007", "AmazonS31", T, E,
          "the dataset's linked service is not in the factory: REFS"),
    Label(S3, "SE004", "Set httpToken", T, E, "the access token is copied into a variable (logged): SECURE"),
    Label("Tonilifter__dap-core-datafactory/pipeline/PISystemCommonPipeline.json", "SE003", "RegisterOKExecDB", T, E,
          "the access token, kept in a variable, is sent without secureInput"),
    Label("Gkalidass27__EDMEAzureDataFactory/pipeline/Stage_PostalCodeAutomation_CA.json", "SE003",
          "Copy_PostalCode_CA", T, E, "the licence key reaches the Copy's dataset parameters without secureInput"),
    Label("Tonilifter__dap-core-datafactory/pipeline/MLTraining_endpoint_call.json", "SE005", "client_secret", F, "",
          "the parameter names a Key Vault secret; it is used only in the vault URL"),
    Label("Tonilifter__dap-core-datafactory/pipeline/MLServing_endpoint_call.json", "RL002", "SS Token", F, "",
          "a client-credentials grant: nothing rotates"),
    Label("DigitalDataBTS__BTS/linkedService/@item().json", "RF011", "@item()", T, E,
          "a resource name must start with a letter (https://learn.microsoft.com/azure/data-factory/naming-rules)"),
    Label("Azure__Azure-DataFactory/templates/Data Masking with Delphix - Legacy/Data Masking with Delphix - Legacy.json",
          "SE005", "authkey", T, W, "a String parameter sent as the Authorization header is logged with the run"),
    Label("Azure__Azure-DataFactory/templates/Transform unstructured health text to FHIR R4 format and write to ADLS "
          "Gen2/Transform unstructured health text to FHIR R4 format and write to ADLS Gen2.json", "SE005", "passed to", T, W,
          "the key is passed to a child pipeline that sends it as Ocp-Apim-Subscription-Key"),
    Label("Tonilifter__dap-core-datafactory/pipeline/MLServing_endpoint_call.json", "SE004", "Set client_id", T, W,
          "a client id from Key Vault goes into a variable: identifies the app, not surely a secret"),
    Label("Tonilifter__dap-core-datafactory/pipeline/E2eStartSFTPServer.json", "SE003", "StartSFTPServer", T, W,
          "a subscription id from Key Vault is sent without secureInput: worth a look, not a credential"),
)
