//! Attachment storage on S3 (`ports::Blobs`), with aws-sdk-s3. To be written: see the attachments work.
